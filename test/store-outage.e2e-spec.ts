import { bearer, signUp, type Session } from './support/auth-client.js';
import { usePrivateRedis } from './support/private-redis.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { eventually } from './support/poll.js';

describe('when Redis goes away (fail closed)', () => {
  // AOF on, as in docker-compose.yml: what was acknowledged before the crash is still there after it.
  const redis = usePrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  let api: TestApp;
  let session: Session;
  let revoked: Session;

  beforeAll(async () => {
    api = await createTestApp({ REDIS_URL: redis.url });
    session = await signUp(api.http);
    revoked = await signUp(api.http);
    await api.http.post('/logout').set(bearer(revoked.accessToken)).expect(204);
  });

  afterAll(async () => {
    await api.close();
  });

  it('answers 503 with Retry-After on protected routes, never 200 or 500, and recovers by itself', async () => {
    await api.http.get('/me').set(bearer(session.accessToken)).expect(200);

    await redis.crash();
    for (const token of [session.accessToken, revoked.accessToken]) {
      const response = await api.http.get('/me').set(bearer(token));
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The session store is unavailable; retry shortly',
      });
    }
    await api.http.post('/logout').set(bearer(session.accessToken)).expect(503);
    await api.http.post('/login').send({ email: session.email, password: 'correct horse battery staple' }).expect(503);

    await redis.restart();
    const recovered = await eventually(
      async () => (await api.http.get('/me').set(bearer(session.accessToken))).status === 200,
    );
    expect(recovered).toBe(true);
    // The logout acknowledged before the crash survived it (AOF), so the revoked token stays refused.
    await api.http.get('/me').set(bearer(revoked.accessToken)).expect(401);
  });
});
