import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent.js';
import { AppProcesses } from './support/app-process.js';
import { bearer, PASSWORD, uniqueEmail } from './support/auth-client.js';
import { signUpOn } from './support/session-client.js';
import { testRedisUrl } from './support/redis-server.js';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

/**
 * Two real API processes (the built app) behind no balancer, sharing one Redis and key prefix, as two instances of
 * a deployment would. Each process has its own guard, store clients and caches: only Redis connects them.
 */
describe('two API instances sharing one Redis', () => {
  const apps = new AppProcesses();
  let first: TestAgent;
  let second: TestAgent;

  beforeAll(async () => {
    const env = {
      JWT_SECRET: process.env.JWT_SECRET as string,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `m${randomUUID().slice(0, 8)}:`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      // Pins the contract without a local mirror (refused at the next request); revocation-mirror.e2e-spec.ts
      // pins the mirror's (refused within 100 ms).
      REVOCATION_MIRROR: 'off',
    };
    [first, second] = (await apps.startReady(env, [{}, {}])).agents;
  }, 40_000);

  afterAll(async () => {
    await apps.dispose();
  });

  it('accepts a token minted by one instance on the other', async () => {
    const tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200);
  });

  it('refuses on the other instance, at its next request, a token logged out on one', async () => {
    const tokens = await signUpOn(first);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200);
    await first.post('/logout').set(bearer(tokens.access_token)).expect(204);
    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
    await second.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
  });

  it('answers on one instance a retry of a refresh token rotated on the other with the same successor', async () => {
    const tokens = await signUpOn(first);
    const rotated = (await first.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(200))
      .body as Tokens;
    const retried = (await second.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(200))
      .body as Tokens;
    expect(retried.refresh_token).toBe(rotated.refresh_token);
    await second.post('/refresh').send({ refresh_token: rotated.refresh_token }).expect(200);
  });

  it('ends every session on both instances after logout-all on one', async () => {
    const email = uniqueEmail();
    await first.post('/register').send({ email, password: PASSWORD }).expect(201);
    const onFirst = (await first.post('/login').send({ email, password: PASSWORD }).expect(200)).body as Tokens;
    const onSecond = (await second.post('/login').send({ email, password: PASSWORD }).expect(200)).body as Tokens;
    await second.post('/logout-all').set(bearer(onSecond.access_token)).expect(204);
    await first.get('/me').set(bearer(onFirst.access_token)).expect(401);
    await first.post('/refresh').send({ refresh_token: onFirst.refresh_token }).expect(401);
  });
});
