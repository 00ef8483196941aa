import { TTLCache } from '@isaacs/ttlcache';
import type { Attempt, FailedAttempts, FailureLimits, Reservation } from './failed-attempts.js';

// Counters and known addresses of one process; the oldest go first past this many.
const MAX_ENTRIES = 100_000;

/** FailedAttempts of one process (no Redis): the same counts, lost on restart. */
export class InMemoryFailedAttempts implements FailedAttempts {
  private readonly entries = new TTLCache<string, number>({ max: MAX_ENTRIES });

  constructor(private readonly limits: FailureLimits) {}

  reserve(attempt: Attempt): Promise<Reservation> {
    const { pair, subject, known } = keysOf(attempt);
    const { pairLimit, pairWindowMs, subjectLimit, subjectWindowMs } = this.limits;
    const blockedMs = Math.max(
      (this.entries.get(pair) ?? 0) >= pairLimit ? this.entries.getRemainingTTL(pair) : 0,
      (this.entries.get(subject) ?? 0) >= subjectLimit && !this.entries.has(known)
        ? this.entries.getRemainingTTL(subject)
        : 0,
    );
    if (blockedMs > 0) return Promise.resolve({ allowed: false, retryAfterSeconds: Math.ceil(blockedMs / 1000) });
    this.count(pair, 1, pairWindowMs);
    this.count(subject, 1, subjectWindowMs);
    return Promise.resolve({ allowed: true });
  }

  succeeded(attempt: Attempt): Promise<void> {
    this.entries.set(keysOf(attempt).known, 1, { ttl: this.limits.knownAddressMs });
    return this.release(attempt);
  }

  release(attempt: Attempt): Promise<void> {
    const { pair, subject } = keysOf(attempt);
    this.count(pair, -1);
    this.count(subject, -1);
    return Promise.resolve();
  }

  /** Adds `by` to a counter; a new counter lives `windowMs`, an existing one keeps its expiry. */
  private count(key: string, by: number, windowMs?: number): void {
    const current = this.entries.get(key);
    const remainingMs = this.entries.getRemainingTTL(key);
    if (current === undefined || remainingMs <= 0) {
      if (by > 0 && windowMs) this.entries.set(key, by, { ttl: windowMs });
      return;
    }
    this.entries.set(key, Math.max(0, current + by), { ttl: remainingMs });
  }
}

function keysOf({ subject, address }: Attempt) {
  return { pair: `pair\0${subject}\0${address}`, subject: `all\0${subject}`, known: `known\0${subject}\0${address}` };
}
