import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemoryRevocationStore } from '../src/revocation/in-memory-revocation.store.js';
import { RevocationStoreAdapter } from '../src/revocation/observed-revocation.store.js';
import { RevocationStore, type TokenIdentity } from '../src/revocation/revocation-store.js';
import { PASSWORD, bearer, decodeClaims, login, register } from './support/auth-client.js';
import { useApp } from './support/use-app.js';
import { onInMemoryStore } from './support/in-memory-app.js';

const createTestApp = onInMemoryStore();

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves early in a wall-clock second. `iat` is whole seconds, so a token of JWT_ACCESS_TTL=1s minted late in a
 * second lives only what is left of it: minted now, it has most of a second for the requests before its expiry.
 */
async function startOfASecond(): Promise<void> {
  while (Date.now() % 1000 > 100) await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
}

function testRedis(): Redis {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
  return new Redis(url);
}

interface Claims {
  sub: string;
  jti: string;
  sid: string;
  ep: string;
  exp: number;
}

function identityOf(token: string): { identity: TokenIdentity; exp: number } {
  const claims = decodeClaims(token) as unknown as Claims;
  return {
    identity: { userId: claims.sub, jti: claims.jti, sessionId: claims.sid, epoch: claims.ep },
    exp: claims.exp,
  };
}

describe('register, login, me, logout on the in-memory store (no REDIS_URL)', () => {
  const keyPrefix = `mem${randomUUID().slice(0, 8)}:`;
  const api = useApp(createTestApp, { REDIS_KEY_PREFIX: keyPrefix });
  let inspector: Redis;

  beforeAll(() => {
    inspector = testRedis();
  });

  afterAll(async () => {
    await inspector?.quit();
  });

  it('binds the revocation store to the in-memory adapter', () => {
    expect(api().app.get(RevocationStoreAdapter)).toBeInstanceOf(InMemoryRevocationStore);
  });

  it('runs the whole journey (me 200, logout 204, me 401 revoked, other login still 200) without writing a Redis key', async () => {
    expect(await inspector.keys(`${keyPrefix}*`)).toEqual([]);

    const { id, email } = await register(api().http);
    const token = await login(api().http, email);
    const other = await login(api().http, email);
    const me = await api().http.get('/me').set(bearer(token)).expect(200);
    expect(me.body).toEqual({ id, email, createdAt: expect.any(String) });

    await api().http.post('/logout').set(bearer(token)).expect(204);

    const revoked = await api().http.get('/me').set(bearer(token)).expect(401);
    expect(revoked.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'The access token has been revoked',
    });
    expect(revoked.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token has been revoked"',
    );
    await api().http.get('/me').set(bearer(other)).expect(200);

    expect(await inspector.keys(`${keyPrefix}*`)).toEqual([]);
  });
});

describe('a restart of an app on the in-memory store', () => {
  it('refuses every token issued before it: its revocations are gone, and so is the store epoch they carried', async () => {
    const before = await createTestApp();
    let token: string;
    let revoked: string;
    try {
      const { email } = await register(before.http);
      token = await login(before.http, email);
      revoked = await login(before.http, email);
      await before.http.post('/logout').set(bearer(revoked)).expect(204);
    } finally {
      await before.close();
    }
    const after = await createTestApp();
    try {
      for (const old of [token, revoked]) {
        const response = await after.http.get('/me').set(bearer(old)).expect(401);
        expect(response.body).toMatchObject({ message: 'The access token has been revoked' });
      }
    } finally {
      await after.close();
    }
  });
});

describe('revoked entries leave the in-memory store with the token (JWT_ACCESS_TTL=1s, JWT_CLOCK_TOLERANCE=0)', () => {
  // Sessions as short as the tokens: the session's revocation lives until its end plus one token lifetime.
  const api = useApp(createTestApp, {
    JWT_ACCESS_TTL: '1s',
    JWT_CLOCK_TOLERANCE: '0',
    JWT_REFRESH_TTL: '1s',
    SESSION_MAX_AGE: '1s',
  });
  let store: RevocationStore;
  let adapter: InMemoryRevocationStore;

  beforeAll(() => {
    store = api().app.get<RevocationStore>(RevocationStore);
    adapter = api().app.get<InMemoryRevocationStore>(RevocationStoreAdapter);
  });

  it('keeps a logged-out token revoked until the token expires, then forgets it; the token is then refused as expired', async () => {
    const { email } = await register(api().http);
    await startOfASecond();
    const token = await login(api().http, email);
    const { identity, exp } = identityOf(token);
    await api().http.post('/logout').set(bearer(token)).expect(204);
    expect(await store.isRevoked(identity)).toBe(true);

    // Poll at event-loop granularity, bounded to 3 s past the expiry.
    let forgottenAt: number | undefined;
    while (Date.now() < exp * 1000 + 3000) {
      if (!(await store.isRevoked(identity))) {
        forgottenAt = Date.now();
        break;
      }
      await yieldToEventLoop();
    }

    expect(forgottenAt).toBeDefined();
    // The exact, to-the-millisecond bound is checked in the next test.
    expect(forgottenAt).toBeGreaterThanOrEqual(exp * 1000 - 5);
    const response = await api().http.get('/me').set(bearer(token)).expect(401);
    expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'The access token has expired' });
  });

  it('keeps every revoked jti and session until its expiry time, not a millisecond before (200 entries)', async () => {
    // A token with tolerance T verifies while Date.now() < (exp + T) * 1000 = the expiry handed to the store, so
    // an entry that leaves even 1 ms early lets a revoked token through for that millisecond.
    const base = Date.now() + 200;
    const { epoch } = identityOf(await login(api().http, (await register(api().http)).email)).identity;
    const entries = Array.from({ length: 200 }, (_, i) => ({
      identity: { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID(), epoch },
      expiresAtMs: base + 7 * i,
      forgottenAt: undefined as number | undefined,
    }));
    for (const [index, entry] of entries.entries()) {
      // Half by jti (a logout), half by session (a session ended).
      if (index % 2 === 0) adapter.revokeToken(entry.identity.jti, entry.expiresAtMs);
      else adapter.revokeSession(entry.identity.sessionId, entry.expiresAtMs);
    }

    const deadline = base + 7 * entries.length + 3000;
    while (entries.some((entry) => entry.forgottenAt === undefined) && Date.now() < deadline) {
      for (const entry of entries) {
        if (entry.forgottenAt === undefined && !(await store.isRevoked(entry.identity))) entry.forgottenAt = Date.now();
      }
      await yieldToEventLoop();
    }

    expect(entries.filter((entry) => entry.forgottenAt === undefined)).toEqual([]);
    const msEarly = entries
      .map((entry) => entry.expiresAtMs - (entry.forgottenAt as number))
      .filter((early) => early > 0);
    expect({ entriesForgottenEarly: msEarly.length, mostMsEarly: Math.max(0, ...msEarly) }).toEqual({
      entriesForgottenEarly: 0,
      mostMsEarly: 0,
    });
  });
});

describe('failed passwords counted on the in-memory store (THROTTLE_ACCOUNT_LIMIT 3, THROTTLE_ACCOUNT_GLOBAL_LIMIT 5, behind a trusted proxy)', () => {
  const api = useApp(createTestApp, {
    THROTTLE_ACCOUNT_LIMIT: '3',
    THROTTLE_ACCOUNT_GLOBAL_LIMIT: '5',
    TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1',
  });

  const loginFrom = (email: string, password: string, address: string) =>
    api().http.post('/login').set('X-Forwarded-For', address).send({ email, password });

  it('stops one address at its 4th try, lets the owner in from elsewhere, and stops a guess spread over addresses except from the owner’s', async () => {
    const { email } = await register(api().http);
    await loginFrom(email, PASSWORD, '10.9.0.1').expect(200); // the owner's address, known from now on
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) statuses.push((await loginFrom(email, 'wrong', '10.9.1.1')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    await loginFrom(email, PASSWORD, '10.9.1.2').expect(200);

    // 3 failures so far; 2 more from new addresses reach the global limit of 5.
    await loginFrom(email, 'wrong', '10.9.2.1').expect(401);
    await loginFrom(email, 'wrong', '10.9.2.2').expect(401);
    expect((await loginFrom(email, PASSWORD, '10.9.2.3')).status).toBe(429);
    await loginFrom(email, PASSWORD, '10.9.0.1').expect(200);
  });
});
