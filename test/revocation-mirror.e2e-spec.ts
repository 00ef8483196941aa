import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import type TestAgent from 'supertest/lib/agent.js';
import type { RevocationMirror } from '../src/revocation/revocation-mirror.js';
import type { TokenIdentity } from '../src/revocation/revocation-store.js';
import { CONTRACT_TERMS, describeSessionStoreContract } from '../src/sessions/testing/session-store.contract.js';
import { AppProcesses, sleep } from './support/app-process.js';
import { bearer } from './support/auth-client.js';
import { rotate, signUpOn } from './support/session-client.js';
import { eventually } from './support/poll.js';
import { redisStores } from './support/redis-client.js';
import { usePrivateRedis } from './support/private-redis.js';
import { testRedisUrl } from './support/redis-server.js';

const MAX_STALENESS_MS = 100;

/** The Redis stores with a mirror, on a connection and key prefix of their own, counting the MGETs sent. */
async function mirroredStores() {
  const stores = await redisStores({ mirror: { maxStalenessMs: MAX_STALENESS_MS, maxEntries: 10_000 } });
  const mirror = stores.mirror as RevocationMirror;
  const fresh = await eventually(() => Promise.resolve(mirror.isFresh()), 5_000);
  // How many MGETs reached Redis: the proof that an answer came from memory.
  const mgets: string[][] = [];
  const client = stores.redis as Redis;
  const sendCommand = client.sendCommand.bind(client);
  jest.spyOn(client, 'sendCommand').mockImplementation((command, stream) => {
    if (command.name === 'mget') mgets.push(command.args.map(String));
    return sendCommand(command, stream);
  });
  return {
    ...stores,
    mirror,
    fresh,
    mgets,
    /** The mirror's own Pub/Sub connection, for the tests that break it. */
    subscriber: (mirror as unknown as { subscriber: Redis }).subscriber,
  };
}

describe('RedisRevocationStore with its local mirror', () => {
  let subject: Awaited<ReturnType<typeof mirroredStores>>;
  let writer: Redis;
  const tokenIdentity = async (): Promise<TokenIdentity> => ({
    userId: randomUUID(),
    jti: randomUUID(),
    sessionId: randomUUID(),
    epoch: await subject.epoch.current(),
  });

  beforeAll(async () => {
    subject = await mirroredStores();
    writer = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await subject.close();
    await writer.quit();
  });

  describeSessionStoreContract('the mirrored Redis stores', (terms) => subject.fixture(terms));

  it('turns on and becomes fresh once CLIENT TRACKING is on', () => {
    expect(subject.fresh).toBe(true);
  });

  it('answers a repeated check from memory: one MGET for many checks', async () => {
    const token = await tokenIdentity();
    subject.mgets.length = 0;
    for (let i = 0; i < 20; i += 1) expect(await subject.revocations.isRevoked(token)).toBe(false);
    expect(subject.mgets).toHaveLength(1);
  });

  it("answers a new token of a session already checked from memory: the session's absence covers its tokens", async () => {
    const token = await tokenIdentity();
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    subject.mgets.length = 0;
    // The access tokens a refresh mints: same session, new jti each, never seen before.
    for (let i = 0; i < 20; i += 1)
      expect(await subject.revocations.isRevoked({ ...token, jti: randomUUID() })).toBe(false);
    expect(subject.mgets).toHaveLength(0);
    // Another session of the same user has not been checked: its first check asks Redis.
    expect(await subject.revocations.isRevoked({ ...token, sessionId: randomUUID() })).toBe(false);
    expect(subject.mgets).toHaveLength(1);
  });

  it('keeps only absence: a check that finds a revocation asks Redis every time', async () => {
    const token = await tokenIdentity();
    await writer.set(subject.keys.revokedToken(token.userId, token.jti), '1', 'PX', 60_000);
    subject.mgets.length = 0;
    for (let i = 0; i < 3; i += 1) expect(await subject.revocations.isRevoked(token)).toBe(true);
    expect(subject.mgets).toHaveLength(3);
  });

  it('keeps nothing of a check that finds a jti revoked without its session, however many checks follow', async () => {
    const token = await tokenIdentity();
    // Not what the app writes (a logout revokes the session with the jti): the session's absence must not be kept.
    await writer.set(subject.keys.revokedToken(token.userId, token.jti), '1', 'PX', 60_000);
    expect(await subject.revocations.isRevoked(token)).toBe(true);
    expect(subject.mirror.knowsAbsent(subject.keys.revokedSession(token.userId, token.sessionId))).toBe(false);
  });

  it('refuses, within the staleness bound, a token logged out by another client writing to Redis', async () => {
    const token = await tokenIdentity();
    const sibling = { ...token, jti: randomUUID() };
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    expect(await subject.revocations.isRevoked(sibling)).toBe(false);
    // What a logout on another instance writes: the token's jti and its session, in one step.
    await writer
      .multi()
      .set(subject.keys.revokedToken(token.userId, token.jti), '1', 'PX', 60_000)
      .set(subject.keys.revokedSession(token.userId, token.sessionId), '1', 'PX', 60_000)
      .exec();
    await sleep(MAX_STALENESS_MS);
    expect(await subject.revocations.isRevoked(token)).toBe(true);
    expect(await subject.revocations.isRevoked(sibling)).toBe(true);
    expect(await subject.revocations.isRevoked({ ...token, jti: randomUUID() })).toBe(true);
  });

  it('refuses at once a token this instance logged out (no wait for the invalidation)', async () => {
    const sessions = subject.sessionStore(CONTRACT_TERMS);
    const token = await tokenIdentity();
    await sessions.open({ userId: token.userId, sessionId: token.sessionId, userAgent: 'x', refreshTokenHash: 'h' }, 1);
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    await sessions.end(token.userId, token.sessionId, { jti: token.jti, expiresAtMs: Date.now() + 60_000 });
    expect(await subject.revocations.isRevoked(token)).toBe(true);
    expect(await subject.revocations.isRevoked({ ...token, jti: randomUUID() })).toBe(true);
  });

  it('asks Redis again for every check once the invalidation connection stalls, until it answers again', async () => {
    const token = await tokenIdentity();
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    const socket = (subject.subscriber as unknown as { stream: NodeJS.ReadableStream }).stream;
    socket.pause(); // nothing reaches the mirror any more, not even the heartbeat PONGs: a silent partition
    try {
      await sleep(MAX_STALENESS_MS * 2);
      expect(subject.mirror.isFresh()).toBe(false);
      await writer.set(subject.keys.revokedSession(token.userId, token.sessionId), '1', 'PX', 60_000);
      subject.mgets.length = 0;
      expect(await subject.revocations.isRevoked(token)).toBe(true);
      expect(subject.mgets).toHaveLength(1);
    } finally {
      socket.resume();
    }
    expect(await eventually(() => Promise.resolve(subject.mirror.isFresh()), 5_000)).toBe(true);
  });

  it('lets its freshness lapse during a stall even when the wall clock steps back 10 s', async () => {
    const token = await tokenIdentity();
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    const socket = (subject.subscriber as unknown as { stream: NodeJS.ReadableStream }).stream;
    const realNow = Date.now.bind(Date);
    socket.pause();
    const stepped = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 10_000);
    try {
      await sleep(MAX_STALENESS_MS * 2);
      expect(subject.mirror.isFresh()).toBe(false);
      await writer.set(subject.keys.revokedToken(token.userId, token.jti), '1', 'PX', 60_000);
      expect(await subject.revocations.isRevoked(token)).toBe(true);
    } finally {
      stepped.mockRestore();
      socket.resume();
    }
    expect(await eventually(() => Promise.resolve(subject.mirror.isFresh()), 5_000)).toBe(true);
  });

  it('drops everything when the invalidation connection is killed, and turns back on by itself', async () => {
    const token = await tokenIdentity();
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    // Not events.once: it rejects on the 'error' (ECONNRESET) a killed connection may emit before it closes.
    const closed = new Promise((resolve) => subject.subscriber.once('close', resolve));
    // Only this mirror's connection: the Redis is shared with the suites running alongside.
    const { localAddress, localPort } = (subject.subscriber as unknown as { stream: Socket }).stream;
    const killed = Number(await writer.call('CLIENT', 'KILL', 'ADDR', `${localAddress}:${localPort}`));
    expect(killed).toBe(1);
    await closed;
    expect(subject.mirror.isFresh()).toBe(false);
    expect(subject.mirror.knowsAbsent(subject.keys.revokedSession(token.userId, token.sessionId))).toBe(false);
    expect(await eventually(() => Promise.resolve(subject.mirror.isFresh()), 10_000)).toBe(true);
    await writer.set(subject.keys.revokedSession(token.userId, token.sessionId), '1', 'PX', 60_000);
    await sleep(MAX_STALENESS_MS);
    expect(await subject.revocations.isRevoked(token)).toBe(true);
  });

  it('on a flush (an invalidation with no key list) forgets everything and has the epoch checked again', async () => {
    const token = await tokenIdentity();
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    const sessionKey = subject.keys.revokedSession(token.userId, token.sessionId);
    expect(subject.mirror.knowsAbsent(sessionKey)).toBe(true);
    subject.subscriber.emit('messageBuffer', Buffer.from('__redis__:invalidate'), null);
    expect(subject.mirror.knowsAbsent(sessionKey)).toBe(false);
    expect(subject.epoch.confirmed).toBeUndefined();
    // Nothing was really flushed here: the record is found intact, and the same epoch confirmed again.
    expect(await subject.revocations.isRevoked(token)).toBe(false);
    expect(subject.epoch.confirmed).toBe(token.epoch);
    expect(subject.mirror.isFresh()).toBe(true);
  });
});

/**
 * DESIGN §5: with the mirror on, a revocation on one instance is refused on every other instance within 100 ms.
 * Two real API processes sharing one Redis; each has its own mirror.
 */
describe('two API instances with their mirrors', () => {
  // A Redis of their own: the MGET counts below are of these two apps' checks only, not of suites running alongside.
  const redis = usePrivateRedis();
  const apps = new AppProcesses();
  let first: TestAgent;
  let second: TestAgent;
  let observer: Redis;

  beforeAll(async () => {
    const env = {
      JWT_SECRET: process.env.JWT_SECRET as string,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `rm${randomUUID().slice(0, 6)}:`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      REVOCATION_MIRROR: 'on',
      REVOCATION_MIRROR_MAX_STALENESS_MS: String(MAX_STALENESS_MS),
    };
    [first, second] = (await apps.startReady(env, [{}, {}])).agents;
    observer = new Redis(redis.url);
  }, 40_000);

  afterAll(async () => {
    await apps.dispose();
    await observer.quit();
  });

  const mgetCalls = async () => {
    const stats = await observer.info('commandstats');
    return Number(/cmdstat_mget:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };

  it('answers repeated checks of one token from memory', async () => {
    const tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200);
    const before = await mgetCalls();
    for (let i = 0; i < 30; i += 1) await second.get('/me').set(bearer(tokens.access_token)).expect(200);
    // A check the mirror cannot answer while its heartbeat lags (a loaded machine) reads Redis: a little noise is
    // allowed; without the mirror this would be 30 or more.
    expect((await mgetCalls()) - before).toBeLessThan(10);
  });

  it('answers the first request of each access token a refresh mints from memory, and still refuses a logout', async () => {
    let tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200); // the session is now known there
    const before = await mgetCalls();
    for (let i = 0; i < 20; i += 1) {
      tokens = await rotate(first, tokens.refresh_token);
      await second.get('/me').set(bearer(tokens.access_token)).expect(200);
    }
    // A little noise allowed, as above; checking each new jti in Redis would be 20 or more.
    expect((await mgetCalls()) - before).toBeLessThan(10);
    await first.post('/logout').set(bearer(tokens.access_token)).expect(204);
    await sleep(MAX_STALENESS_MS);
    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
  });

  it('refuses on the other instance, within 100 ms, a token logged out on one', async () => {
    const tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200); // now cached as "not revoked" there
    await first.post('/logout').set(bearer(tokens.access_token)).expect(204);
    await first.get('/me').set(bearer(tokens.access_token)).expect(401); // the revoking instance: at once
    await sleep(MAX_STALENESS_MS);
    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
  });

  it('refuses on the other instance, within 100 ms, every token of a user who logged out everywhere', async () => {
    const tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200);
    await first.post('/logout-all').set(bearer(tokens.access_token)).expect(204);
    await sleep(MAX_STALENESS_MS);
    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
  });
});
