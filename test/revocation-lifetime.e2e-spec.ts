import { RedisKeys } from '../src/redis/redis-keys.js';
import { bearer, decodeClaims, login, register } from './support/auth-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// Short-lived tokens so the whole lifecycle fits in a few seconds: a token verifies until (exp + 1) s.
const ACCESS_TTL = '2s';
const TOLERANCE_SECONDS = 1;
const SESSION_AGE = '2s';
// Every wait in this file is bounded by this, counted from the moment the wait starts.
const WAIT_BOUND_MS = 6000;

interface Claims {
  sub: string;
  jti: string;
  sid: string;
  exp: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Sleeps until the wall clock is past `epochMs` (never longer than the bound). */
async function sleepUntil(epochMs: number): Promise<void> {
  const deadline = Date.now() + WAIT_BOUND_MS;
  while (Date.now() <= epochMs && Date.now() < deadline) await sleep(Math.min(epochMs - Date.now() + 1, 100));
}

/** Polls `condition` every 50 ms until it holds or the bound passes; the caller asserts the final state. */
async function pollUntil(condition: () => Promise<boolean>, boundMs = WAIT_BOUND_MS): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await condition()) && Date.now() < deadline) await sleep(50);
}

describe('revocation entries live exactly as long as the token (Redis, JWT_ACCESS_TTL=2s, JWT_CLOCK_TOLERANCE=1)', () => {
  let api: TestApp;
  let email: string;

  const jtiKey = (claims: Claims) => new RedisKeys(api.keyPrefix).revokedToken(claims.sub, claims.jti);
  const sidKey = (claims: Claims) => new RedisKeys(api.keyPrefix).revokedSession(claims.sub, claims.sid);
  /** Every key under this app's prefix that is the token's jti or sid entry, or names its session id. */
  const keysOfToken = async (claims: Claims) =>
    (await api.redis.keys(`${api.keyPrefix}*`)).filter(
      (key) => key === jtiKey(claims) || key === sidKey(claims) || key.includes(claims.sid),
    );
  /** The moment after which the verifier refuses the token: exp plus the clock tolerance. */
  const lastValidMs = (claims: Claims) => (claims.exp + TOLERANCE_SECONDS) * 1000;
  /** How long its jti stays revoked: the tolerance once more, for clock skew between an instance and Redis. */
  const revokedUntilMs = (claims: Claims) => (claims.exp + 2 * TOLERANCE_SECONDS) * 1000;

  beforeAll(async () => {
    // Sessions as short as the tokens, so the session's revocation (kept until the session's end plus one access
    // token lifetime) also expires within the wait.
    api = await createTestApp({
      JWT_ACCESS_TTL: ACCESS_TTL,
      JWT_CLOCK_TOLERANCE: String(TOLERANCE_SECONDS),
      JWT_REFRESH_TTL: SESSION_AGE,
      SESSION_MAX_AGE: SESSION_AGE,
    });
    ({ email } = await register(api.http));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('stores the revoked jti until exp + twice the tolerance, after which Redis itself drops the jti and sid keys and the token is refused as expired', async () => {
    const token = await login(api.http, email);
    const claims = decodeClaims(token) as unknown as Claims;
    await api.http.post('/logout').set(bearer(token)).expect(204);

    expect(await api.redis.get(jtiKey(claims))).toBe('1');
    expect(await api.redis.exists(sidKey(claims))).toBe(1);
    expect(await api.redis.pexpiretime(jtiKey(claims))).toBe(revokedUntilMs(claims));
    const revoked = await api.http.get('/me').set(bearer(token)).expect(401);
    expect(revoked.body).toMatchObject({ message: 'The access token has been revoked' });

    await sleepUntil(revokedUntilMs(claims));
    await pollUntil(async () => (await keysOfToken(claims)).length === 0);

    expect(await keysOfToken(claims)).toEqual([]);
    expect(await api.redis.exists(jtiKey(claims), sidKey(claims))).toBe(0);
    const expired = await api.http.get('/me').set(bearer(token)).expect(401);
    expect(expired.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'The access token has expired' });
  });

  it('refuses a token that was never logged out with "The access token has expired" once past exp + tolerance', async () => {
    const token = await login(api.http, email);
    const claims = decodeClaims(token) as unknown as Claims;
    await api.http.get('/me').set(bearer(token)).expect(200);

    await sleepUntil(lastValidMs(claims));

    const response = await api.http.get('/me').set(bearer(token)).expect(401);
    expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'The access token has expired' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token has expired"',
    );
    // Expiry alone refuses it: nothing was revoked (the session record stays until its last token can no longer
    // verify anywhere, a few seconds later).
    expect(await api.redis.exists(jtiKey(claims), sidKey(claims))).toBe(0);
  });

  it('answers a second logout of the same token with 401 (already revoked) and leaves the entries and their expiry untouched', async () => {
    const token = await login(api.http, email);
    const claims = decodeClaims(token) as unknown as Claims;
    await api.http.post('/logout').set(bearer(token)).expect(204);
    const jtiExpiry = await api.redis.pexpiretime(jtiKey(claims));
    const sidExpiry = await api.redis.pexpiretime(sidKey(claims));
    expect(jtiExpiry).toBeGreaterThan(Date.now());
    expect(sidExpiry).toBeGreaterThan(Date.now());

    const second = await api.http.post('/logout').set(bearer(token)).expect(401);

    expect(second.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'The access token has been revoked',
    });
    expect(await api.redis.get(jtiKey(claims))).toBe('1');
    expect(await api.redis.pexpiretime(jtiKey(claims))).toBe(jtiExpiry);
    expect(await api.redis.pexpiretime(sidKey(claims))).toBe(sidExpiry);
  });
});
