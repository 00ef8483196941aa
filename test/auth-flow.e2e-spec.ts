import { RedisKeys } from '../src/redis/redis-keys.js';
import { bearer, decodeClaims, login, register, signUp, uniqueEmail } from './support/auth-client.js';
import { useApp } from './support/use-app.js';
import { createTestApp } from './support/test-app.js';

describe('register, login, me, logout (Redis)', () => {
  const api = useApp(createTestApp);

  it('registers an account and answers with its public profile only', async () => {
    const email = uniqueEmail();
    const response = await api()
      .http.post('/register')
      .send({ email: `  ${email.toUpperCase()} `, password: 'long enough pw' })
      .expect(201);
    expect(response.body).toEqual({ id: expect.any(String), email, createdAt: expect.any(String) });
    expect(JSON.stringify(response.body)).not.toMatch(/password|hash/i);
  });

  it('logs in with an OAuth 2.0 token response', async () => {
    const { email } = await register(api().http);
    const response = await api()
      .http.post('/login')
      .send({ email, password: 'correct horse battery staple' })
      .expect(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{112}$/),
      refresh_expires_in: 604800,
    });
  });

  it('returns the caller from GET /me', async () => {
    const session = await signUp(api().http);
    const response = await api().http.get('/me').set(bearer(session.accessToken)).expect(200);
    expect(response.body).toEqual({ id: session.userId, email: session.email, createdAt: expect.any(String) });
  });

  it('rejects a token after its owner logged out', async () => {
    const session = await signUp(api().http);
    await api().http.post('/logout').set(bearer(session.accessToken)).expect(204);
    const response = await api().http.get('/me').set(bearer(session.accessToken)).expect(401);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token has been revoked"',
    );
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'The access token has been revoked',
    });
  });

  it('keeps another login of the same user working after one logout', async () => {
    const session = await signUp(api().http);
    const other = await login(api().http, session.email);
    await api().http.post('/logout').set(bearer(session.accessToken)).expect(204);
    await api().http.get('/me').set(bearer(other)).expect(200);
  });

  it('stores the revoked jti until the token expiry plus twice the clock tolerance, and the session id until its last token ends', async () => {
    const session = await signUp(api().http);
    const claims = decodeClaims(session.accessToken) as {
      sub: string;
      jti: string;
      sid: string;
      iat: number;
      exp: number;
    };
    await api().http.post('/logout').set(bearer(session.accessToken)).expect(204);

    const keys = new RedisKeys(api().keyPrefix);
    const jtiKey = keys.revokedToken(claims.sub, claims.jti);
    const sidKey = keys.revokedSession(claims.sub, claims.sid);
    // The verifier's tolerance (5 s), and once more for the clock skew between an instance and Redis.
    expect(await api().redis.get(jtiKey)).toBe('1');
    expect(await api().redis.pexpiretime(jtiKey)).toBe((claims.exp + 2 * 5) * 1000);
    // The session stays revoked while a token minted from it can still verify: its refresh token's end (7 days after
    // login) plus one access-token lifetime and the same two tolerances.
    const sessionRevokedUntilMs = claims.iat * 1000 + (7 * 24 * 3600 + 900 + 2 * 5) * 1000;
    expect(Math.abs((await api().redis.pexpiretime(sidKey)) - sessionRevokedUntilMs)).toBeLessThan(2000);
  });
});

describe('REVOCATION_CHECK=off (benchmarks only)', () => {
  const api = useApp(createTestApp, { REVOCATION_CHECK: 'off' });

  it('verifies signatures but no longer refuses a logged-out token', async () => {
    const session = await signUp(api().http);
    await api().http.post('/logout').set(bearer(session.accessToken)).expect(204);
    await api().http.get('/me').set(bearer(session.accessToken)).expect(200);
    await api()
      .http.get('/me')
      .set(bearer(`${session.accessToken}x`))
      .expect(401);
  });
});
