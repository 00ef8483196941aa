import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type TestAgent from 'supertest/lib/agent.js';
import pg from 'pg';
import { AppProcesses } from './support/app-process.js';
import { bearer, decodeClaims, PASSWORD, uniqueEmail } from './support/auth-client.js';
import { testRedisUrl } from './support/redis-server.js';
import { databaseFor } from './support/test-database.js';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

interface Account {
  id: string;
  email: string;
}

interface AuditEntryBody {
  action: string;
  actorId: string | null;
  subjectId: string;
}

/**
 * Two real API processes (the built app) sharing one Redis and key prefix, as two instances of a deployment. The
 * admin acts on instance A; the user's tokens must be refused on instance B at its very next request, with nothing
 * but Redis between the two.
 */
describe('admin actions across two API instances sharing one Redis', () => {
  const apps = new AppProcesses();
  const prefix = `am${randomUUID().slice(0, 8)}:`;
  let redis: Redis;
  let first: TestAgent;
  let second: TestAgent;
  let admin: Account & { tokens: Tokens };

  async function registerOn(api: TestAgent): Promise<Account> {
    const email = uniqueEmail();
    const response = await api.post('/register').send({ email, password: PASSWORD }).expect(201);
    return response.body as Account;
  }

  async function loginOn(api: TestAgent, email: string): Promise<Tokens> {
    return (await api.post('/login').send({ email, password: PASSWORD }).expect(200)).body as Tokens;
  }

  /** Gives a stored account the admin role, in the row both instances read (the deployment's database). */
  async function grantAdminInStore(id: string): Promise<void> {
    const db = new pg.Client({
      connectionString: await databaseFor({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix }),
    });
    await db.connect();
    try {
      const { rowCount } = await db.query(`update users set roles = '{user,admin}' where id = $1`, [id]);
      if (rowCount !== 1) throw new Error(`no user row with id ${id}`);
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    const env = {
      JWT_SECRET: process.env.JWT_SECRET as string,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      // Pins the contract without a local mirror (refused at the next request); revocation-mirror.e2e-spec.ts
      // pins the mirror's (refused within 100 ms).
      REVOCATION_MIRROR: 'off',
      THROTTLE_IP_LIMIT: '1000000',
      THROTTLE_ACCOUNT_LIMIT: '1000000',
      THROTTLE_ACCOUNT_GLOBAL_LIMIT: '1000000',
    };
    [first, second] = (await apps.startReady(env, [{}, {}])).agents;

    const account = await registerOn(first);
    await grantAdminInStore(account.id);
    admin = { ...account, tokens: await loginOn(first, account.email) };
  }, 40_000);

  afterAll(async () => {
    await apps.dispose();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('makes the admin through the shared store: the token claims the role on both instances', async () => {
    expect(decodeClaims(admin.tokens.access_token).roles).toEqual(['user', 'admin']);
    await first.get('/admin/audit?limit=1').set(bearer(admin.tokens.access_token)).expect(200);
    await second.get('/admin/audit?limit=1').set(bearer(admin.tokens.access_token)).expect(200);
  });

  it("disable on A: the user's access and refresh tokens are refused on B at once, and B refuses the login", async () => {
    const user = await registerOn(second);
    const tokens = await loginOn(second, user.email);
    await second.get('/me').set(bearer(tokens.access_token)).expect(200);

    await first.post(`/admin/users/${user.id}/disable`).set(bearer(admin.tokens.access_token)).expect(204);

    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
    await second.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    await second.post('/login').send({ email: user.email, password: PASSWORD }).expect(401);
    const view = await second.get(`/admin/users/${user.id}`).set(bearer(admin.tokens.access_token)).expect(200);
    expect(view.body).toEqual(expect.objectContaining({ id: user.id, disabled: true, sessions: 0 }));
  });

  it("role change on A: the user's older tokens are refused on B at once; B honours the new roles on a fresh login", async () => {
    const user = await registerOn(second);
    const tokens = await loginOn(second, user.email);
    await second.get(`/admin/users/${user.id}`).set(bearer(tokens.access_token)).expect(403);

    await first
      .put(`/admin/users/${user.id}/roles`)
      .set(bearer(admin.tokens.access_token))
      .send({ roles: ['user', 'admin'] })
      .expect(204);

    await second.get('/me').set(bearer(tokens.access_token)).expect(401);
    await second.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    const promoted = await loginOn(second, user.email);
    expect(decodeClaims(promoted.access_token).roles).toEqual(['user', 'admin']);
    await second.get(`/admin/users/${user.id}`).set(bearer(promoted.access_token)).expect(200);

    await first
      .put(`/admin/users/${user.id}/roles`)
      .set(bearer(admin.tokens.access_token))
      .send({ roles: ['user'] })
      .expect(204);

    await second.get(`/admin/users/${user.id}`).set(bearer(promoted.access_token)).expect(401);
    await second.post('/refresh').send({ refresh_token: promoted.refresh_token }).expect(401);
  });

  it("revoke-sessions on B: the user's tokens are refused on A at once", async () => {
    const user = await registerOn(first);
    const tokens = await loginOn(first, user.email);

    await second.post(`/admin/users/${user.id}/revoke-sessions`).set(bearer(admin.tokens.access_token)).expect(204);

    await first.get('/me').set(bearer(tokens.access_token)).expect(401);
    await first.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
  });

  it('shows on B the audit entries of the actions taken on A (one shared log)', async () => {
    const user = await registerOn(first);
    await loginOn(first, user.email);
    await first.post(`/admin/users/${user.id}/disable`).set(bearer(admin.tokens.access_token)).expect(204);
    await first.post(`/admin/users/${user.id}/enable`).set(bearer(admin.tokens.access_token)).expect(204);

    const response = await second.get('/admin/audit?limit=500').set(bearer(admin.tokens.access_token)).expect(200);
    const entries = (response.body as { entries: AuditEntryBody[] }).entries
      .filter((entry) => entry.subjectId === user.id)
      .map(({ action, actorId, subjectId }) => ({ action, actorId, subjectId }));

    expect(entries).toEqual([
      { action: 'enable', actorId: admin.id, subjectId: user.id },
      { action: 'disable', actorId: admin.id, subjectId: user.id },
    ]);
  });
});
