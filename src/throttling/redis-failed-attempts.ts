import { createHash } from 'node:crypto';
import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Attempt, FailedAttempts, FailureLimits, Reservation } from './failed-attempts.js';

// KEYS: pair counter, subject counter, known address. ARGV: pair limit, pair window, subject limit, subject window
// (ms). Returns 0 (counted) or the milliseconds until the limit that refuses the attempt lifts.
const RESERVE = `
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
local all = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = 0
if pair >= tonumber(ARGV[1]) then wait = redis.call('PTTL', KEYS[1]) end
if all >= tonumber(ARGV[3]) and redis.call('EXISTS', KEYS[3]) == 0 then
  wait = math.max(wait, redis.call('PTTL', KEYS[2]))
end
if wait > 0 then return wait end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0
`;

// KEYS: pair counter, subject counter, known address. ARGV: how long the address stays known (ms), or 0 for a
// release. Gives the attempt's count back (a counter that expired meanwhile is not re-created).
const RELEASE = `
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[3], '1', 'PX', ARGV[1]) end
return 0
`;

/**
 * FailedAttempts in Redis, shared by every instance. Keys sit under the app's prefix; a subject's keys share one
 * hash tag (one Cluster slot, one script), and name the subject and the address by digest, never in clear.
 */
export class RedisFailedAttempts implements FailedAttempts {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly limits: FailureLimits,
  ) {}

  async reserve(attempt: Attempt): Promise<Reservation> {
    const { pairLimit, pairWindowMs, subjectLimit, subjectWindowMs } = this.limits;
    const waitMs = await storeCall(
      async () =>
        (await this.redis.eval(
          RESERVE,
          3,
          ...this.keysOf(attempt),
          pairLimit,
          pairWindowMs,
          subjectLimit,
          subjectWindowMs,
        )) as number,
    );
    return waitMs > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) } : { allowed: true };
  }

  succeeded(attempt: Attempt): Promise<void> {
    return this.release(attempt, this.limits.knownAddressMs);
  }

  async release(attempt: Attempt, knownAddressMs = 0): Promise<void> {
    await storeCall(() => this.redis.eval(RELEASE, 3, ...this.keysOf(attempt), knownAddressMs));
  }

  private keysOf({ subject, address }: Attempt): [string, string, string] {
    const base = `${this.prefix}{${digest(subject)}}`;
    return [`${base}:pair:${digest(address)}`, `${base}:all`, `${base}:known:${digest(address)}`];
  }
}

/** 96 bits of SHA-256, base64url: short, free of braces, and no email or address in a key name. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}
