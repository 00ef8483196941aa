import { randomUUID } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { ApiClient, type Answer, type TokenPair } from './support/api-client.js';
import { AppProcesses, appEnv, httpCall, sleep, type AppProcess, type HttpAnswer } from './support/app-process.js';
import { Database as DatabaseToken, type Database } from '../src/database/database.js';
import { PASSWORD, bearer, uniqueEmail } from './support/auth-client.js';
import {
  createTestDatabase,
  findPostgresBin,
  NO_POSTGRES_MESSAGE,
  removePostgresDir,
  signalPostgres,
  startPostgresServer,
  stopPostgresServer,
  type RunningPostgres,
} from './support/postgres-server.js';
import { testRedisUrl } from './support/redis-server.js';
import { createTestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';
import { TwoInstances } from './support/two-instances.js';

/**
 * Accounts in PostgreSQL, driven through two real API processes of one deployment (one Redis, one key prefix, one
 * database): concurrent changes of one account never undo one another, one email is registered once, and a
 * database that dies or stalls under load costs 503s with Retry-After (never a 500 or a hang), while the hot path
 * (GET /me) keeps answering from Redis and the instances recover without a restart.
 */

const ROUNDS = 200;
// Hashing is serialised (PASSWORD_HASH_CONCURRENCY: one fewer than the 2 cores), so more lanes only queue.
const LANES = 4;
const NEW_PASSWORD = 'a brand new passphrase';
/**
 * The admin's request leaves this long after the password change, by round: from before the change verifies the
 * current password to after it stored the new one (two argon2id hashes, queued behind the other lanes' hashing).
 */
const adminDelayMs = (round: number) => (round % 20) * 25;

interface AccountView {
  disabled: boolean;
  roles: string[];
}

/** Runs `rounds` rounds of `round`, `lanes` at a time. */
async function inLanes(rounds: number, lanes: number, round: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < rounds) await round(next++);
    }),
  );
}

describe('accounts across two API instances', () => {
  const deployment = new TwoInstances();
  const prefix = `ac${randomUUID().slice(0, 8)}:`;
  let a: ApiClient;
  let b: ApiClient;
  let adminToken: string;

  beforeAll(async () => {
    ({ a, b, adminToken } = await deployment.start(appEnv({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix })));
  }, 60_000);

  afterAll(() => deployment.dispose());

  const accountOf = async (id: string) =>
    (await a.call<AccountView>('GET', `/admin/users/${id}`, { token: adminToken })).body;

  /** A fresh user, logged in on instance A. */
  async function loggedInUser() {
    const { id, email } = await a.register(uniqueEmail());
    return { id, email, tokens: await a.login(email) };
  }

  /**
   * ROUNDS rounds, in LANES lanes, of a fresh user's password change on instance B raced by `adminChange` of the
   * user on instance A (sent `adminDelayMs` later); `judge` tallies each round's outcome. Returns the tally.
   */
  async function raceWithPasswordChange(
    name: string,
    adminChange: (userId: string) => Promise<Answer>,
    judge: (
      user: { id: string; email: string },
      changed: Answer<TokenPair>,
      tally: Record<string, number>,
    ) => Promise<void>,
  ): Promise<Record<string, number>> {
    const tally: Record<string, number> = { rounds: 0, adminAnswered204: 0, passwordChanged: 0 };
    await inLanes(ROUNDS, LANES, async (round) => {
      const user = await loggedInUser();
      const [changed, admin] = await Promise.all([
        b.call<TokenPair>('POST', '/me/password', {
          token: user.tokens.access_token,
          body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
        }),
        sleep(adminDelayMs(round)).then(() => adminChange(user.id)),
      ]);
      tally.rounds += 1;
      if (admin.status === 204) tally.adminAnswered204 += 1;
      if (changed.status === 200) tally.passwordChanged += 1;
      await judge(user, changed, tally);
    });
    console.log(`${name}:`, JSON.stringify(tally));
    expect(tally.rounds).toBe(ROUNDS);
    expect(tally.adminAnswered204).toBe(ROUNDS);
    return tally;
  }

  const count = (tally: Record<string, number>, key: string) => (tally[key] = (tally[key] ?? 0) + 1);

  it(`ends disabled every time an admin disable races a password change (${ROUNDS} rounds)`, async () => {
    const tally = await raceWithPasswordChange(
      'admin disable vs password change',
      (id) => a.call('POST', `/admin/users/${id}/disable`, { token: adminToken }),
      async (user, changed, rounds) => {
        if ((await accountOf(user.id)).disabled !== true) count(rounds, 'endedEnabled');
        if (changed.status !== 200) return;
        for (const client of [a, b]) {
          if ((await client.status('GET', '/me', changed.body.access_token)) === 200) count(rounds, 'survivors');
        }
      },
    );
    expect({ endedEnabled: tally.endedEnabled ?? 0, survivors: tally.survivors ?? 0 }).toEqual({
      endedEnabled: 0,
      survivors: 0,
    });
  }, 240_000);

  it(`keeps the roles an admin set while a password change races it (${ROUNDS} rounds)`, async () => {
    const tally = await raceWithPasswordChange(
      'admin roles change vs password change',
      (id) => a.call('PUT', `/admin/users/${id}/roles`, { token: adminToken, body: { roles: ['user', 'admin'] } }),
      async (user, changed, rounds) => {
        if (!(await accountOf(user.id)).roles.includes('admin')) count(rounds, 'rolesLost');
        if (changed.status !== 200) return;
        const login = await a.call('POST', '/login', { body: { email: user.email, password: NEW_PASSWORD } });
        if (login.status !== 200) count(rounds, 'passwordLost');
      },
    );
    expect({ rolesLost: tally.rolesLost ?? 0, passwordLost: tally.passwordLost ?? 0 }).toEqual({
      rolesLost: 0,
      passwordLost: 0,
    });
  }, 240_000);

  it('registers one email once when many registrations of it race on both instances (40 rounds of 8)', async () => {
    const outcomes: Record<string, number> = {};
    let roundsWithOneWinner = 0;
    for (let round = 0; round < 40; round += 1) {
      const email = uniqueEmail();
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 ? b : a).call('POST', '/register', { body: { email, password: PASSWORD } }),
        ),
      );
      for (const { status } of answers) outcomes[status] = (outcomes[status] ?? 0) + 1;
      if (answers.filter(({ status }) => status === 201).length === 1) roundsWithOneWinner += 1;
    }
    console.log('concurrent registrations of one email (status: count):', JSON.stringify(outcomes));
    expect(roundsWithOneWinner).toBe(40);
    expect(outcomes).toEqual({ 201: 40, 409: 280 });
  }, 120_000);

  it('refuses a deleted account everywhere: its tokens, its login, and its profile', async () => {
    const user = await loggedInUser();
    expect(await b.status('GET', '/me', user.tokens.access_token)).toBe(200);
    const deleted = await a.call('DELETE', '/me', { token: user.tokens.access_token, body: { password: PASSWORD } });
    expect(deleted.status).toBe(204);
    for (const client of [a, b]) {
      expect(await client.status('GET', '/me', user.tokens.access_token)).toBe(401);
      expect((await client.call('POST', '/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(
        401,
      );
    }
    expect((await a.call('GET', `/admin/users/${user.id}`, { token: adminToken })).status).toBe(404);
  });
});

describe('two instances starting at once on a fresh database', () => {
  const apps = new AppProcesses();

  afterAll(() => apps.dispose());

  it('both migrate it (one of them applies the migrations, under the advisory lock) and serve', async () => {
    const databaseUrl = await createTestDatabase();
    const env = appEnv({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `fr${randomUUID().slice(0, 8)}:`,
      DATABASE_URL: databaseUrl,
    });
    const { ports } = await apps.startReady(env, [{}, {}]);
    const [first, second] = ports.map((port) => new ApiClient(port));
    try {
      const { email } = await first.register();
      expect((await second.login(email)).access_token).toBeTruthy();
    } finally {
      first.close();
      second.close();
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ name: string }>('select name from kysely_migration order by name');
      expect(rows.map(({ name }) => name)).toEqual(['0001-accounts', '0002-audit-log', '0003-store-epoch']);
    } finally {
      await db.end();
    }
  }, 60_000);
});

describe('a database that dies or stalls under load', () => {
  const bin = findPostgresBin();
  const apps = new AppProcesses();
  let server: RunningPostgres | undefined;
  let instance: AppProcess;
  let port: number;
  let client: ApiClient;
  let steady: TokenPair;
  /** The load's logins use a wrong password (each still reads the account); the recovery's, another account. */
  let email: string;
  let recovering: string;

  beforeAll(async () => {
    if (!bin) throw new Error(NO_POSTGRES_MESSAGE);
    server = await startPostgresServer(bin);
    const env = appEnv({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `dd${randomUUID().slice(0, 8)}:`,
      DATABASE_URL: server.url,
    });
    const { ports, processes } = await apps.startReady(env, [{}]);
    [instance] = processes;
    port = ports[0];
    client = new ApiClient(port);
    ({ email } = await client.register());
    ({ email: recovering } = await client.register());
    steady = await client.login(email);
    // The profile is read once; from then on GET /me is served without the database.
    expect(await client.status('GET', '/me', steady.access_token)).toBe(200);
  }, 60_000);

  afterEach(() => {
    // The instance must outlive every fault; if it did not, its own words say why.
    const { exitCode, signalCode } = instance.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(
        `the instance exited (${exitCode ?? signalCode}):\n${instance.output.stdout}\n${instance.output.stderr}`,
      );
    }
  });

  afterAll(async () => {
    client?.close();
    await apps.dispose();
    if (server) {
      await stopPostgresServer(server, 'SIGKILL');
      removePostgresDir(server);
    }
  });

  interface Load {
    statuses: Record<string, Record<number | string, number>>;
    /** An API route's 503 without Retry-After, any 5xx other than 503, or no answer in time. */
    bad: string[];
    /** What the last 503 of GET /health/ready said. */
    notReady: unknown;
    stop: () => Promise<void>;
  }

  /** Logins, registrations, GET /me and readiness, back to back, until stopped; every answer is tallied. */
  function load(): Load {
    const statuses: Load['statuses'] = { login: {}, register: {}, me: {}, ready: {}, live: {} };
    const bad: string[] = [];
    const answers: Pick<Load, 'notReady'> = { notReady: undefined };
    let running = true;
    const calls: Record<string, () => Promise<HttpAnswer>> = {
      login: () => httpCall(port, 'POST', '/login', { body: { email, password: 'not the password at all' } }),
      register: () => httpCall(port, 'POST', '/register', { body: { email: uniqueEmail(), password: PASSWORD } }),
      me: () => httpCall(port, 'GET', '/me', { headers: { authorization: `Bearer ${steady.access_token}` } }),
      ready: () => httpCall(port, 'GET', '/health/ready'),
      live: () => httpCall(port, 'GET', '/health/live'),
    };
    // Three lanes of logins, so that queries are in flight when the database goes (a lost connection mid-query).
    const lanes = [...Object.entries(calls), ['login', calls.login] as const, ['login', calls.login] as const].map(
      async ([name, call]) => {
        while (running) {
          let status: number | string;
          try {
            const answer = await call();
            status = answer.status;
            // The probes answer for an orchestrator, which polls on its own schedule: no Retry-After there.
            const probe = name === 'ready' || name === 'live';
            if (status === 503 && !probe && !answer.headers['retry-after'])
              bad.push(`${name}: 503 without Retry-After`);
            if (status === 503 && name === 'ready') answers.notReady = answer.json;
            if (status >= 500 && status !== 503) bad.push(`${name}: ${status}`);
          } catch (error) {
            status = 'no answer';
            bad.push(`${name}: ${(error as Error).message}`);
          }
          statuses[name][status] = (statuses[name][status] ?? 0) + 1;
          await sleep(20);
        }
      },
    );
    return {
      statuses,
      bad,
      get notReady() {
        return answers.notReady;
      },
      stop: async () => {
        running = false;
        await Promise.all(lanes);
      },
    };
  }

  /** Polls until a login answers 200 again (the pool reconnected on its own); how long it took. */
  async function recovered(boundMs = 20_000): Promise<number> {
    const startedAt = Date.now();
    while (Date.now() - startedAt < boundMs) {
      const answer = await httpCall(port, 'POST', '/login', { body: { email: recovering, password: PASSWORD } });
      if (answer.status === 200) return Date.now() - startedAt;
      await sleep(100);
    }
    throw new Error(`no successful login within ${boundMs} ms of the database coming back`);
  }

  it('answers 503 with Retry-After while the database is killed, and recovers when it is back, with no restart', async () => {
    const running = load();
    await sleep(500);
    const { port: dbPort, dir } = server as RunningPostgres;
    await stopPostgresServer(server as RunningPostgres, 'SIGKILL');
    await sleep(3_000);
    const during = JSON.parse(JSON.stringify(running.statuses)) as Load['statuses'];
    server = await startPostgresServer(bin as string, { port: dbPort, dir });
    const recoveredAfterMs = await recovered();
    await sleep(1_000);
    await running.stop();
    console.log(
      `database SIGKILL under load: recovered ${recoveredAfterMs} ms after the restart; statuses up to the restart ` +
        `${JSON.stringify(during)}; in all ${JSON.stringify(running.statuses)}`,
    );
    expect(running.bad).toEqual([]);
    expect(during.login[503]).toBeGreaterThan(0);
    expect(during.register[503]).toBeGreaterThan(0);
    expect(during.ready[503]).toBeGreaterThan(0);
    expect(running.notReady).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    // Liveness and the hot path never needed the database.
    expect(Object.keys(running.statuses.live)).toEqual(['200']);
    expect(Object.keys(running.statuses.me)).toEqual(['200']);
    expect((await httpCall(port, 'GET', '/health/ready')).status).toBe(200);
  }, 60_000);

  it('answers 503 with Retry-After, not a hang, while the database is stopped (SIGSTOP), and recovers on SIGCONT', async () => {
    const running = load();
    await sleep(500);
    signalPostgres(server as RunningPostgres, 'SIGSTOP');
    try {
      await sleep(5_000);
    } finally {
      signalPostgres(server as RunningPostgres, 'SIGCONT');
    }
    const during = JSON.parse(JSON.stringify(running.statuses)) as Load['statuses'];
    const recoveredAfterMs = await recovered();
    await running.stop();
    console.log(
      `database SIGSTOP under load: recovered ${recoveredAfterMs} ms after SIGCONT; statuses up to SIGCONT ` +
        `${JSON.stringify(during)}`,
    );
    expect(running.bad).toEqual([]);
    expect(during.login[503]).toBeGreaterThan(0);
    expect(during.ready[503]).toBeGreaterThan(0);
    expect(Object.keys(running.statuses.live)).toEqual(['200']);
    expect(Object.keys(running.statuses.me)).toEqual(['200']);
  }, 60_000);
});

describe('database queries per request (the hot path stays off the database)', () => {
  const app = useApp(createTestApp);
  let queries: jest.SpyInstance;

  beforeAll(() => {
    // Every query builder runs through the one executor of the app's Kysely instance.
    queries = jest.spyOn(app().app.get<Database>(DatabaseToken).getExecutor(), 'executeQuery');
  });

  /**
   * How many database queries `call` made. The store epoch's high-water mark (`store_epoch`, written in the
   * background after changes, at most once a second) and the audit prune are not the request's own, and a slow
   * machine lets them land inside a request.
   */
  async function queriesOf(call: () => Promise<unknown>): Promise<number> {
    const before = queries.mock.calls.length;
    await call();
    return queries.mock.calls.slice(before).filter(([query]) => !isBackground(query as CompiledQuery)).length;
  }

  function isBackground(query: CompiledQuery): boolean {
    return /"store_epoch"|^delete from "audit_log"/i.test(query.sql);
  }

  it('register and login pay one query each; GET /me none once the profile is cached; refresh one', async () => {
    const api = app();
    const email = uniqueEmail();
    const registered = await queriesOf(() =>
      api.http.post('/register').send({ email, password: PASSWORD }).expect(201),
    );
    let tokens: TokenPair | undefined;
    const loggedIn = await queriesOf(async () => {
      tokens = (await api.http.post('/login').send({ email, password: PASSWORD }).expect(200)).body as TokenPair;
    });
    const pair = tokens as TokenPair;
    const firstMe = await queriesOf(() => api.http.get('/me').set(bearer(pair.access_token)).expect(200));
    let steady = 0;
    for (let i = 0; i < 20; i += 1) {
      steady += await queriesOf(() => api.http.get('/me').set(bearer(pair.access_token)).expect(200));
    }
    const refreshed = await queriesOf(() =>
      api.http.post('/refresh').send({ refresh_token: pair.refresh_token }).expect(200),
    );
    console.log(
      `database queries: register ${registered}, login ${loggedIn}, first GET /me ${firstMe}, ` +
        `next 20 GET /me ${steady}, refresh ${refreshed}`,
    );
    expect({ registered, loggedIn, firstMe, steady, refreshed }).toEqual({
      registered: 1,
      loggedIn: 1,
      firstMe: 1,
      steady: 0,
      refreshed: 1,
    });
  });
});
