import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { PASSWORD, bearer, getMe } from './support/auth-client.js';
import { usePrivateRedis } from './support/private-redis.js';
import { loginWithAgent, newAccount, refresh, rotate, type TokenPair } from './support/session-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The app on a private redis-server where it is an ACL user confined to its key prefix (`~auth:*`) and denied the
 * dangerous commands, with the `default` user switched off: everything it writes, rate-limit counters included,
 * must fall under the prefix, and every command it sends must be allowed (a NOPERM would surface as a 503).
 *
 * No assertion is about time: every request carries a client timeout.
 */

const PREFIX = 'auth:';
const APP_USER = 'app';
const APP_PASSWORD = 's3cret-pass';
const ADMIN_USER = 'admin';
const ADMIN_PASSWORD = randomBytes(16).toString('hex');
const REQUEST_TIMEOUT_MS = 3000;

/**
 * What the app needs: its keys; every command but the dangerous ones; CONFIG GET (the maxmemory-policy check) and
 * INFO (ioredis's ready check, and the policy check's fallback); the invalidation channel of the revocation mirror.
 * PING, CLIENT SETNAME/TRACKING/ID, SUBSCRIBE, EVAL, EVALSHA and SCRIPT LOAD are in +@all already; they are named to
 * show they are needed.
 */
const APP_RULES = [
  'reset',
  'on',
  `>${APP_PASSWORD}`,
  `~${PREFIX}*`,
  '+@all',
  '-@dangerous',
  '+config|get',
  '+info',
  '+client|setname',
  '+ping',
  '+eval',
  '+evalsha',
  '+script|load',
  // The revocation mirror: its connection subscribes to the channel Redis sends invalidations on.
  '&__redis__:invalidate',
  '+client|tracking',
  '+client|id',
  '+subscribe',
];

/** The JSON 503 every store-dependent route answers when Redis cannot be used. */
const STORE_UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'The session store is unavailable; retry shortly',
};

const timed = (call: Test) => call.timeout(REQUEST_TIMEOUT_MS);
const postLogout = (http: TestAgent, accessToken: string) => timed(http.post('/logout').set(bearer(accessToken)));

/** Entries of ACL LOG as objects (RESP2 field/value lists). */
async function aclLog(admin: Redis): Promise<Record<string, string>[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((entry) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < entry.length; i += 2) fields[String(entry[i])] = String(entry[i + 1]);
    return fields;
  });
}

/** A connection as nobody (no AUTH): what the `default` user may do. */
async function asNobody<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

describe('Redis ACL: the app as a user confined to ~auth:* without dangerous commands, default user off', () => {
  const server = usePrivateRedis();
  let admin: Redis;

  beforeAll(async () => {
    const setup = new Redis(server.url, { protocol: 2 });
    try {
      await setup.call('ACL', 'SETUSER', ADMIN_USER, 'reset', 'on', `>${ADMIN_PASSWORD}`, '~*', '&*', '+@all');
      await setup.call('ACL', 'SETUSER', APP_USER, ...APP_RULES);
      await setup.call('ACL', 'SETUSER', 'default', 'off');
    } finally {
      setup.disconnect();
    }
    admin = new Redis({
      host: '127.0.0.1',
      port: server.port,
      username: ADMIN_USER,
      password: ADMIN_PASSWORD,
      protocol: 2,
    });
    await admin.ping();
  });

  afterAll(async () => {
    await admin?.quit();
  });

  it('is in force: nobody may run commands, and the app user may touch only auth:* and no dangerous command', async () => {
    await expect(asNobody(server.port, (client) => client.ping())).rejects.toThrow(/NOAUTH/);
    const app = new Redis({ host: '127.0.0.1', port: server.port, username: APP_USER, password: APP_PASSWORD });
    try {
      await expect(app.set(`${PREFIX}probe`, '1')).resolves.toBe('OK');
      await expect(app.set('elsewhere:probe', '1')).rejects.toThrow(/NOPERM/);
      await expect(app.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(app.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')).rejects.toThrow(/NOPERM/);
      await expect(app.config('GET', 'maxmemory-policy')).resolves.toEqual(['maxmemory-policy', 'noeviction']);
      await app.del(`${PREFIX}probe`);
    } finally {
      await app.quit();
    }
    await admin.call('ACL', 'LOG', 'RESET');
  });

  describe('REDIS_USERNAME/REDIS_PASSWORD, low rate limits (3 per account, 8 per address)', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await createTestApp({
        REDIS_URL: server.url,
        REDIS_USERNAME: APP_USER,
        REDIS_PASSWORD: APP_PASSWORD,
        REDIS_KEY_PREFIX: PREFIX,
        THROTTLE_ACCOUNT_LIMIT: '3',
        THROTTLE_IP_LIMIT: '8',
      });
    });

    afterAll(async () => {
      await api?.close();
      // The blocks outlive this app (the next apps share the address and the server): lift them.
      const counters = await admin.keys(`${PREFIX}throttle:*`);
      if (counters.length > 0) await admin.del(...counters);
    });

    it('runs the full flow (throttled /register, /login, /refresh included) without a single 503', async () => {
      const { http } = api;
      const statuses: Record<string, number> = {};
      statuses.ready = (await timed(http.get('/health/ready'))).status;
      const account = await newAccount(http);
      const first = await loginWithAgent(http, account.email, 'first');
      statuses.me = (await getMe(http, first.access_token)).status;
      const rotated = await rotate(http, first.refresh_token);
      statuses.meAfterRefresh = (await getMe(http, rotated.access_token)).status;
      statuses.sessions = (await timed(http.get('/sessions').set(bearer(rotated.access_token)))).status;
      statuses.logout = (await postLogout(http, rotated.access_token)).status;
      statuses.meAfterLogout = (await getMe(http, rotated.access_token)).status;
      statuses.refreshAfterLogout = (await timed(refresh(http, rotated.refresh_token))).status;
      const laptop = await loginWithAgent(http, account.email, 'laptop');
      const phone = await loginWithAgent(http, account.email, 'phone');
      statuses.logoutAll = (await timed(http.post('/logout-all').set(bearer(laptop.access_token)))).status;
      statuses.laptopAfterLogoutAll = (await getMe(http, laptop.access_token)).status;
      statuses.phoneAfterLogoutAll = (await getMe(http, phone.access_token)).status;
      statuses.readyAfter = (await timed(http.get('/health/ready'))).status;

      expect(statuses).toEqual({
        ready: 200,
        me: 200,
        meAfterRefresh: 200,
        sessions: 200,
        logout: 204,
        meAfterLogout: 401,
        refreshAfterLogout: 401,
        logoutAll: 204,
        laptopAfterLogoutAll: 401,
        phoneAfterLogoutAll: 401,
        readyAfter: 200,
      });
    });

    it('counts attempts in Redis: the 4th login of one account and the 9th refresh of one address get 429', async () => {
      const { http } = api;
      const { email } = await newAccount(http);
      const logins: number[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        logins.push((await timed(http.post('/login').send({ email, password: 'not the password' }))).status);
      }
      const refreshes: number[] = [];
      // One refresh already came from this address in the previous test (the rotation), and one after the logout.
      for (let attempt = 0; attempt < 10 && !refreshes.includes(429); attempt++) {
        refreshes.push((await timed(refresh(http, 'A'.repeat(112)))).status);
      }

      expect(logins).toEqual([401, 401, 401, 429]);
      expect(refreshes.slice(0, -1).every((status) => status === 401)).toBe(true);
      expect(refreshes.at(-1)).toBe(429);
      expect(refreshes.length).toBeLessThanOrEqual(7);
      const throttled = await timed(http.post('/login').send({ email, password: PASSWORD }));
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('wrote every key, rate-limit counters included, under auth:, and no command was denied (ACL LOG empty)', async () => {
      const keys = await admin.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith(PREFIX))).toEqual([]);
      expect(keys.some((key) => key.startsWith(`${PREFIX}throttle:`))).toBe(true);
      expect(await aclLog(admin)).toEqual([]);
    });
  });

  describe('credentials in REDIS_URL (redis://app:s3cret-pass@127.0.0.1:<port>), no REDIS_USERNAME/REDIS_PASSWORD', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await createTestApp({
        REDIS_URL: `redis://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${server.port}`,
        REDIS_KEY_PREFIX: PREFIX,
      });
    });

    afterAll(async () => {
      await api?.close();
    });

    it('runs register, login, me, refresh, logout (401 after); ready 200; ACL LOG still empty', async () => {
      const { http } = api;
      await timed(http.get('/health/ready')).expect(200);
      const account = await newAccount(http);
      const pair = await rotate(http, (await loginWithAgent(http, account.email)).refresh_token);
      await getMe(http, pair.access_token).expect(200);
      await postLogout(http, pair.access_token).expect(204);
      await getMe(http, pair.access_token).expect(401);
      expect(await aclLog(admin)).toEqual([]);
    });
  });

  describe('a wrong REDIS_PASSWORD', () => {
    let api: TestApp;
    let stranger: TokenPair;

    beforeAll(async () => {
      // A session minted while the password was right (same JWT_SECRET): its token is well signed.
      const good = await createTestApp({
        REDIS_URL: server.url,
        REDIS_USERNAME: APP_USER,
        REDIS_PASSWORD: APP_PASSWORD,
        REDIS_KEY_PREFIX: PREFIX,
      });
      try {
        stranger = await loginWithAgent(good.http, (await newAccount(good.http)).email);
      } finally {
        await good.close();
      }
      await admin.call('ACL', 'LOG', 'RESET');
      api = await createTestApp({
        REDIS_URL: server.url,
        REDIS_USERNAME: APP_USER,
        REDIS_PASSWORD: 'not-the-password',
        REDIS_KEY_PREFIX: PREFIX,
      });
    }, 20_000);

    afterAll(async () => {
      await api?.close();
    });

    it('still starts; liveness 200, readiness 503, and every store-dependent route 503 (never 200, never 500)', async () => {
      const { http } = api;
      const live = await timed(http.get('/health/live'));
      const ready = await timed(http.get('/health/ready'));
      const answers = {
        me: await getMe(http, stranger.access_token),
        logout: await postLogout(http, stranger.access_token),
        refresh: await timed(refresh(http, stranger.refresh_token)),
        login: await timed(http.post('/login').send({ email: 'someone@example.com', password: PASSWORD })),
        register: await timed(http.post('/register').send({ email: 'newcomer@example.com', password: PASSWORD })),
      };

      expect(live.status).toBe(200);
      expect(ready.status).toBe(503);
      expect(Object.fromEntries(Object.entries(answers).map(([route, answer]) => [route, answer.body]))).toEqual({
        me: STORE_UNAVAILABLE,
        logout: STORE_UNAVAILABLE,
        refresh: STORE_UNAVAILABLE,
        login: STORE_UNAVAILABLE,
        register: STORE_UNAVAILABLE,
      });
      for (const answer of Object.values(answers)) expect(answer.headers['retry-after']).toBe('1');
      // Redis refused the app's AUTH (it keeps retrying), and nothing else.
      const log = await aclLog(admin);
      expect(log.length).toBeGreaterThan(0);
      expect(log.every((entry) => entry.reason === 'auth' && entry.username === APP_USER)).toBe(true);
    });
  });

  // An app user missing one permission: the app works around it and asks for nothing else.
  describe.each([
    {
      about: 'an ACL user without the invalidation channel',
      user: 'app-nochannel',
      withheld: '&__redis__:invalidate',
      works: 'starts with the mirror off and serves the flow, every check asking Redis',
      // The mirror retries now and then: the channel, and only it, may be refused more than once.
      checkDenied: (objects: string[]) => expect(new Set(objects)).toEqual(new Set(['__redis__:invalidate'])),
    },
    {
      about: 'an ACL user without CONFIG (a managed Redis that disables it)',
      user: 'app-noconfig',
      withheld: '+config|get',
      works: 'reads maxmemory-policy from INFO instead, starts, and serves the flow',
      checkDenied: (objects: string[]) => expect(objects).toEqual(['config|get']),
    },
  ])('$about', ({ user, withheld, works, checkDenied }) => {
    let api: TestApp;

    beforeAll(async () => {
      await admin.call('ACL', 'SETUSER', user, ...APP_RULES.filter((rule) => rule !== withheld));
      api = await createTestApp({
        REDIS_URL: server.url,
        REDIS_USERNAME: user,
        REDIS_PASSWORD: APP_PASSWORD,
        REDIS_KEY_PREFIX: PREFIX,
      });
    });

    afterAll(async () => {
      await api?.close();
    });

    it(works, async () => {
      const { http } = api;
      await timed(http.get('/health/ready')).expect(200);
      const pair = await loginWithAgent(http, (await newAccount(http)).email);
      await getMe(http, pair.access_token).expect(200);
      await postLogout(http, pair.access_token).expect(204);
      await getMe(http, pair.access_token).expect(401);
      checkDenied((await aclLog(admin)).filter((entry) => entry.username === user).map((entry) => entry.object));
    });
  });
});
