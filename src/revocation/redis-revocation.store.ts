import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/redis-client.js';
import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { ReplicatedWriter, type ReplicaAcknowledgement } from '../redis/replication.js';
import type { RevocationMirror } from './revocation-mirror.js';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

// A revoked jti or sid only needs to exist; "1" is a shared integer object in Redis, so the value costs no memory.
const REVOKED = '1';

// The not-before mark only ever moves forward, and its expiry only ever moves later.
const RAISE_NOT_BEFORE = `
local current = redis.call('GET', KEYS[1])
if not current then
  return redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
end
if tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'GT')
return 'OK'
`;

// One settled promise serves every check the mirror answers: no allocation on the common path.
const NOT_REVOKED = Promise.resolve(false);

export class RedisRevocationStore implements RevocationStore, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly writer: ReplicatedWriter;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly acknowledgement: ReplicaAcknowledgement = { replicas: 0, timeoutMs: 0 },
    /** A local copy that answers most checks without a round trip; none: every check asks Redis. */
    private readonly mirror?: RevocationMirror,
  ) {
    this.writer = new ReplicatedWriter(redis, acknowledgement);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.mirror?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.mirror?.stop();
    await this.writer.close();
  }

  isRevoked(token: TokenIdentity): Promise<boolean> {
    const keys = this.checkKeysOf(token);
    // None of the three exists, as of at most REVOCATION_MIRROR_MAX_STALENESS_MS ago: not revoked, no round trip.
    if (this.mirror?.knowsAbsent(keys)) return NOT_REVOKED;
    return this.ask(keys, token);
  }

  private async ask(keys: readonly string[], token: TokenIdentity): Promise<boolean> {
    const mirror = this.mirror;
    return revokes(await storeCall(() => (mirror ? mirror.read(keys) : this.redis.mget(...keys))), token);
  }

  /** The three keys one check reads. */
  private checkKeysOf(token: TokenIdentity): readonly string[] {
    return [
      this.keys.revokedToken(token.userId, token.jti),
      this.keys.revokedSession(token.userId, token.sessionId),
      this.keys.notBefore(token.userId),
    ];
  }

  async revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number) {
    const key = this.keys.revokedToken(token.userId, token.jti);
    const transaction = this.writer.client.multi().set(key, REVOKED, 'PXAT', tokenExpiresAtMs, 'NX');
    await this.commit(key, this.revokeSessionIn(transaction, token.userId, token.sessionId, sessionExpiresAtMs));
  }

  async revokeSession(userId: string, sessionId: string, untilMs: number) {
    const key = this.keys.revokedSession(userId, sessionId);
    await this.commit(key, this.revokeSessionIn(this.writer.client.multi(), userId, sessionId, untilMs));
  }

  async revokeUserTokensIssuedBefore(userId: string, notBeforeMs: number, keepUntilMs: number) {
    const key = this.keys.notBefore(userId);
    await storeCall(async () => {
      await this.writer.client.eval(RAISE_NOT_BEFORE, 1, key, String(notBeforeMs), String(keepUntilMs));
      await this.replicated(key);
      await this.mirror?.catchUp();
    });
  }

  // Set if absent, and never shortened if present: the longest reason to keep a session revoked wins.
  private revokeSessionIn(transaction: ChainableCommander, userId: string, sessionId: string, untilMs: number) {
    const key = this.keys.revokedSession(userId, sessionId);
    return transaction.set(key, REVOKED, 'PXAT', untilMs, 'NX').pexpireat(key, untilMs, 'GT');
  }

  // One slot (same hash tag), one round trip, applied atomically; EXEC resolves once Redis acknowledged it.
  private async commit(key: string, transaction: ChainableCommander): Promise<void> {
    await storeCall(async () => {
      throwOnCommandError(await transaction.exec());
      await this.replicated(key);
      await this.mirror?.catchUp();
    });
  }

  /** With REDIS_WAIT_REPLICAS, a revocation is acknowledged only once that many replicas hold it. */
  private async replicated(key: string): Promise<void> {
    if (!(await this.writer.replicated(key))) {
      throw new Error(`fewer than ${this.acknowledgement.replicas} replicas confirmed the revocation in time`);
    }
  }
}

/** Whether the stored values of [jti, sid, not-before] refuse the token. */
function revokes([jti, sid, notBefore]: (string | null)[], token: TokenIdentity): boolean {
  return jti !== null || sid !== null || (notBefore !== null && token.issuedAtMs <= Number(notBefore));
}

/** MULTI/EXEC reports per-command errors inside its result instead of rejecting. */
function throwOnCommandError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('transaction aborted');
  const failed = results.find(([error]) => error !== null)?.[0];
  if (failed) throw failed;
}
