import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { CONTRACT_TERMS, describeSessionStoreContract } from '../src/sessions/testing/session-store.contract.js';
import { redisStores } from './support/redis-client.js';

let stores: Awaited<ReturnType<typeof redisStores>>;

beforeAll(async () => {
  stores = await redisStores();
});

afterAll(async () => {
  await stores.close();
});

describeSessionStoreContract('RedisSessionStore', (terms) => stores.fixture(terms));

describe('RedisSessionStore key layout', () => {
  let own: Awaited<ReturnType<typeof redisStores>>;

  beforeAll(async () => {
    // A prefix of its own, so that KEYS sees exactly what this user's sessions wrote (and the epoch record).
    own = await redisStores();
  });

  afterAll(async () => {
    await own.close();
  });

  it("writes every key of a user under the user's hash tag, each with an expiry, dated by the server", async () => {
    const sessions = own.sessionStore({ ...CONTRACT_TERMS, reuseGraceMs: 0 });
    const { keys, redis } = own;
    const userId = randomUUID();
    const kept = randomUUID();
    const reused = randomUUID();
    const loggedOut = randomUUID();
    for (const sessionId of [kept, reused, loggedOut]) {
      await sessions.open({ userId, sessionId, userAgent: 'contract-test/1.0', refreshTokenHash: `${sessionId}#0` }, 1);
    }
    const rotate = (sessionId: string, generation: number) =>
      sessions.rotate({
        userId,
        sessionId,
        generation,
        refreshTokenHash: `${sessionId}#${generation}`,
        nextRefreshTokenHash: `other#${generation + 1}`,
      });
    expect((await rotate(kept, 0)).outcome).toBe('rotated');
    expect((await rotate(reused, 0)).outcome).toBe('rotated');
    expect((await rotate(reused, 0)).outcome).toBe('reused');
    const jti = randomUUID();
    const jtiUntil = Date.now() + 60_000;
    await sessions.end(userId, loggedOut, { jti, expiresAtMs: jtiUntil });

    const prefix = keys.epochRecord(0).replace(/epoch\{0\}$/, '');
    const epochKeys = [keys.epochRecord(0), keys.epochId(0)];
    const written = (await redis.keys(`${prefix}*`)).filter((key) => !epochKeys.includes(key)).sort();
    expect(written).toEqual(
      [
        keys.session(userId, kept),
        keys.sessions(userId),
        keys.revokedSession(userId, reused),
        keys.revokedSession(userId, loggedOut),
        keys.revokedToken(userId, jti),
      ].sort(),
    );
    expect(new Set(written.map((key) => calculateSlot(key)))).toEqual(new Set([calculateSlot(keys.sessions(userId))]));
    // PEXPIRETIME is -1 for a key kept forever: every key must expire, and not before now.
    const nowMs = Date.now();
    const expiries = await Promise.all(written.map(async (key) => [key, await redis.pexpiretime(key)] as const));
    expect(expiries.filter(([, expiresAtMs]) => expiresAtMs <= nowMs)).toEqual([]);
    // A record lasts until the session's last token ends (its refresh expiry plus a token's lifetime), the set until
    // the last of them.
    const record = await redis.hgetall(keys.session(userId, kept));
    const lastTokenEnds = Number(record.refreshExp) + CONTRACT_TERMS.tokenLifetimeMs;
    expect(await redis.pexpiretime(keys.session(userId, kept))).toBe(lastTokenEnds);
    expect(await redis.pexpiretime(keys.sessions(userId))).toBeGreaterThanOrEqual(lastTokenEnds);
    expect(await redis.zscore(keys.sessions(userId), kept)).toBe(String(lastTokenEnds));
    expect(await redis.pexpiretime(keys.revokedToken(userId, jti))).toBe(jtiUntil);
    expect(record.ep).toBe(await own.epoch.current());
    expect(record.rk).toBe(keys.revokedSession(userId, kept));
  });
});
