import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { RedisRevocationStore } from '../src/revocation/redis-revocation.store.js';
import { RedisSessionStore } from '../src/sessions/redis-session.store.js';
import { describeSessionStoreContract } from '../src/sessions/testing/session-store.contract.js';
import { redisForContract } from './support/redis-client.js';

const connection = redisForContract();

afterAll(async () => {
  await connection.close();
});

describeSessionStoreContract('RedisSessionStore', () => ({
  sessions: new RedisSessionStore(connection.redis, connection.keys),
  revocations: new RedisRevocationStore(connection.redis, connection.keys),
}));

describe('RedisSessionStore key layout', () => {
  it("writes every key of a user under the user's hash tag, and none of them without an expiry", async () => {
    // A prefix of its own, so that KEYS sees exactly what this user's create, rotate and reuse wrote.
    const prefix = `k${randomUUID().slice(0, 8)}:`;
    const keys = new RedisKeys(prefix);
    const sessions = new RedisSessionStore(connection.redis, keys);
    const userId = randomUUID();
    const nowMs = Date.now();
    const kept = randomUUID();
    const reused = randomUUID();
    for (const sessionId of [kept, reused]) {
      await sessions.create(
        {
          userId,
          sessionId,
          createdAtMs: nowMs,
          userAgent: 'contract-test/1.0',
          refreshExpiresAtMs: nowMs + 600_000,
          absoluteExpiresAtMs: nowMs + 3_600_000,
          refreshTokenHash: `${sessionId}#0`,
        },
        5,
      );
    }
    const rotate = (sessionId: string, generation: number) =>
      sessions.rotate({
        userId,
        sessionId,
        generation,
        refreshTokenHash: `${sessionId}#${generation}`,
        nextRefreshTokenHash: `${sessionId}#${generation + 1}`,
        nextRefreshExpiresAtMs: nowMs + 600_000,
        nowMs,
        reuseGraceMs: 0,
        revokeSessionUntilMs: nowMs + 3_600_000,
      });
    expect((await rotate(kept, 0)).outcome).toBe('rotated');
    expect((await rotate(reused, 0)).outcome).toBe('rotated');
    expect((await rotate(reused, 0)).outcome).toBe('reused');

    const written = (await connection.redis.keys(`${prefix}*`)).sort();
    expect(written).toEqual(
      [keys.session(userId, kept), keys.sessions(userId), keys.revokedSession(userId, reused)].sort(),
    );
    const tagOf = (key: string) => /^[^{]*\{([^}]*)\}/.exec(key)?.[1];
    expect(new Set(written.map(tagOf))).toEqual(new Set([tagOf(keys.user(userId))]));
    expect(new Set(written.map((key) => calculateSlot(key)))).toEqual(new Set([calculateSlot(keys.user(userId))]));
    // PEXPIRETIME is -1 for a key kept forever: every key must expire, and not before now.
    const expiries = await Promise.all(written.map(async (key) => [key, await connection.redis.pexpiretime(key)]));
    expect(expiries.filter(([, expiresAtMs]) => Number(expiresAtMs) <= nowMs)).toEqual([]);
    expect(await connection.redis.pexpiretime(keys.session(userId, kept))).toBe(nowMs + 600_000);
    expect(await connection.redis.pexpiretime(keys.sessions(userId))).toBe(nowMs + 600_000);
    expect(await connection.redis.pexpiretime(keys.revokedSession(userId, reused))).toBe(nowMs + 3_600_000);
  });
});
