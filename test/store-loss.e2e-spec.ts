import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ApiClient, type TokenPair } from './support/api-client.js';
import { AppProcesses, appEnv, sleep, stripAnsi, waitForExit, type AppProcess } from './support/app-process.js';
import { PASSWORD, uniqueEmail } from './support/auth-client.js';
import { PrivateRedis } from './support/private-redis.js';
import { databaseFor } from './support/test-database.js';

/**
 * DESIGN §3, "store loss fails closed": FLUSHALL, a restart with empty data and a restore from an older RDB file,
 * each under two running instances (one with the revocation mirror, one without). Every token from before the loss
 * (the revoked one above all) is refused on both within about a second and never accepted again, each instance
 * says so in one error line and a metric, and signing in again works.
 */

const NOTICE_BOUND_MS = 1_500;
const LOSS_LINE = /The revocation store (lost data|began epoch)/;

interface Deployment {
  server: PrivateRedis;
  apps: AppProcesses;
  processes: AppProcess[];
  clients: ApiClient[];
}

async function deploy(redisArgs: string[], env: Record<string, string> = {}): Promise<Deployment> {
  const server = new PrivateRedis(redisArgs);
  await server.start();
  const apps = new AppProcesses();
  const shared = {
    JWT_SECRET: process.env.JWT_SECRET as string,
    REDIS_URL: server.url,
    LOG_LEVEL: 'error',
    LOG_FORMAT: 'json',
    ...env,
  };
  const { ports, processes } = await apps.startReady(shared, [
    { REVOCATION_MIRROR: 'on' },
    { REVOCATION_MIRROR: 'off' },
  ]);
  return { server, apps, processes, clients: ports.map((port) => new ApiClient(port)) };
}

async function dispose(deployment: Deployment | undefined): Promise<void> {
  if (!deployment) return;
  for (const client of deployment.clients) client.close();
  await deployment.apps.dispose();
  await deployment.server.dispose();
}

/** A user with a logged-out session (its tokens revoked) and a live one, checked on both instances. */
async function before(deployment: Deployment) {
  const [a, b] = deployment.clients;
  const { email, id } = await a.register(uniqueEmail(), PASSWORD);
  const revoked = await a.login(email);
  const live = await b.login(email);
  expect((await a.call('POST', '/logout', { token: revoked.access_token })).status).toBe(204);
  for (const client of [a, b]) {
    expect(await client.status('GET', '/me', revoked.access_token)).toBe(401);
    expect(await client.status('GET', '/me', live.access_token)).toBe(200);
  }
  return { email, id, revoked, live };
}

/**
 * Polls both instances until each refuses both tokens (bounded); returns how long each took. Every answer on the
 * way is kept: a revoked token answered 200 even once is a failure.
 */
async function refusedEverywhere(deployment: Deployment, tokens: TokenPair[]) {
  const startedAt = performance.now();
  const noticedAfterMs: (number | undefined)[] = deployment.clients.map(() => undefined);
  const revokedAccepted: number[] = [];
  while (noticedAfterMs.includes(undefined) && performance.now() - startedAt < NOTICE_BOUND_MS) {
    await Promise.all(
      deployment.clients.map(async (client, index) => {
        if (noticedAfterMs[index] !== undefined) return;
        const statuses = await Promise.all(tokens.map((pair) => client.status('GET', '/me', pair.access_token)));
        if (statuses[0] === 200) revokedAccepted.push(index);
        if (statuses.every((status) => status === 401)) noticedAfterMs[index] = performance.now() - startedAt;
      }),
    );
    await sleep(20);
  }
  return { noticedAfterMs, revokedAccepted };
}

/**
 * The account is in the database, not in the lost data: the email stays taken (409, on either instance), and the
 * user signs in again with the same password, as the same account.
 */
async function signInAgain(deployment: Deployment, email: string, userId: string): Promise<TokenPair> {
  for (const client of deployment.clients) {
    const again = await client.call('POST', '/register', { body: { email, password: PASSWORD } });
    expect(again.status).toBe(409);
  }
  const [a] = deployment.clients;
  const tokens = await a.login(email);
  const me = await a.call<{ id: string; email: string }>('GET', '/me', { token: tokens.access_token });
  expect(me.body).toMatchObject({ id: userId, email });
  return tokens;
}

/** The audit actions recorded about `userId`, read from the deployment's database. */
async function auditActionsOf(deployment: Deployment, userId: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: await databaseFor({ REDIS_URL: deployment.server.url }) });
  await db.connect();
  try {
    const { rows } = await db.query<{ action: string }>('select action from audit_log where subject_id = $1', [userId]);
    return rows.map(({ action }) => action);
  } finally {
    await db.end();
  }
}

/** Each instance's error lines about the loss, and its loss counter. */
async function reports(deployment: Deployment) {
  return Promise.all(
    deployment.processes.map(async (app, index) => {
      const lines = stripAnsi(`${app.output.stdout}\n${app.output.stderr}`)
        .split('\n')
        .filter((line) => LOSS_LINE.test(line));
      const metrics = (await deployment.clients[index].call<string>('GET', '/metrics')).body;
      return { lines, losses: lossesIn(metrics) };
    }),
  );
}

/** `revocation_store_losses_total` summed over its causes, as GET /metrics exposes it. */
function lossesIn(metricsText: unknown): number {
  const text = typeof metricsText === 'string' ? metricsText : '';
  return [...text.matchAll(/^revocable_jwt_revocation_store_losses_total\{cause="\w+"\} (\d+)$/gm)].reduce(
    (sum, [, value]) => sum + Number(value),
    0,
  );
}

/** Everything from before is refused, and stays so; each instance reported the loss once; signing in works. */
async function expectFailedClosed(
  deployment: Deployment,
  { revoked, live }: { revoked: TokenPair; live: TokenPair },
  signInAgain: () => Promise<TokenPair>,
) {
  const { noticedAfterMs, revokedAccepted } = await refusedEverywhere(deployment, [revoked, live]);
  console.log(`noticed after (ms, mirror on / off): ${noticedAfterMs.map((ms) => ms?.toFixed(0)).join(' / ')}`);
  expect(revokedAccepted).toEqual([]);
  // Each instance refused both tokens before the polling stopped (how fast is printed above, not asserted).
  expect(noticedAfterMs.map((ms) => ms !== undefined)).toEqual(deployment.clients.map(() => true));
  for (const client of deployment.clients) {
    expect((await client.refresh(live.refresh_token)).status).toBe(401);
    expect((await client.refresh(revoked.refresh_token)).status).toBe(401);
  }
  const fresh = await signInAgain();
  for (const client of deployment.clients) {
    expect(await client.status('GET', '/me', fresh.access_token)).toBe(200);
    expect(await client.status('GET', '/me', revoked.access_token)).toBe(401);
  }
  const reported = await reports(deployment);
  expect(reported.map((report) => report.lines.length)).toEqual([1, 1]);
  expect(reported.map((report) => report.losses)).toEqual([1, 1]);
}

describe('store loss: every token issued before it is refused', () => {
  let deployment: Deployment | undefined;

  afterEach(async () => {
    await dispose(deployment);
    deployment = undefined;
  });

  it('after FLUSHALL', async () => {
    deployment = await deploy(['--appendonly', 'yes']);
    const tokens = await before(deployment);
    const admin = new Redis(deployment.server.url);
    await admin.flushall();
    await admin.quit();
    await expectFailedClosed(deployment, tokens, () => signInAgain(deployment as Deployment, tokens.email, tokens.id));
    // The audit trail is in the database: the logout from before the flush is still on record.
    expect(await auditActionsOf(deployment, tokens.id)).toContain('logout');
  }, 60_000);

  it('after a restart with empty data (no persistence, ALLOW_VOLATILE_REDIS=true)', async () => {
    deployment = await deploy(['--appendonly', 'no'], { ALLOW_VOLATILE_REDIS: 'true' });
    const tokens = await before(deployment);
    await deployment.server.restart();
    await expectFailedClosed(deployment, tokens, () => signInAgain(deployment as Deployment, tokens.email, tokens.id));
  }, 60_000);

  it('after a restore from an older RDB snapshot (the logout and the rotation after it are gone)', async () => {
    const rdbOnly = ['--appendonly', 'no', '--save', '3600 1', '--dbfilename', 'dump.rdb'];
    deployment = await deploy(rdbOnly);
    const [a, b] = deployment.clients;
    const { email } = await a.register(uniqueEmail(), PASSWORD);
    const revoked = await a.login(email);
    const live = await b.login(email);
    const admin = new Redis(deployment.server.url);
    await admin.save();
    await admin.quit();
    const { server } = deployment;
    copyFileSync(join(server.dir, 'dump.rdb'), join(server.dir, 'older.rdb'));
    // After the snapshot: a logout, and a rotation of the live session.
    expect((await a.call('POST', '/logout', { token: revoked.access_token })).status).toBe(204);
    const rotated = (await b.refresh(live.refresh_token)).body;
    await server.crash();
    copyFileSync(join(server.dir, 'older.rdb'), join(server.dir, 'dump.rdb'));
    await server.restart();
    // In the restored data the logged-out session is alive again, and the live one one rotation behind.
    await expectFailedClosed(deployment, { revoked, live: rotated }, () => a.login(email));
    for (const client of deployment.clients) expect((await client.refresh(live.refresh_token)).status).toBe(401);
  }, 60_000);
});

describe('store loss caught by the durable high-water mark (the database), after every instance restarted', () => {
  const apps = new AppProcesses();
  let server: PrivateRedis | undefined;

  afterAll(async () => {
    await apps.dispose();
    await server?.dispose();
  });

  it('refuses every older token after a restore from an older RDB snapshot that no running instance saw', async () => {
    const rdbOnly = ['--appendonly', 'no', '--save', '3600 1', '--dbfilename', 'dump.rdb'];
    server = new PrivateRedis(rdbOnly);
    await server.start();
    const shared = appEnv({ REDIS_URL: server.url, LOG_FORMAT: 'json' });
    const first = await apps.startReady(shared, [{}, {}]);
    let [a, b] = first.ports.map((port) => new ApiClient(port));
    const { email, id } = await a.register(uniqueEmail(), PASSWORD);
    const revoked = await a.login(email);
    const live = await b.login(email);
    const admin = new Redis(server.url);
    await admin.save();
    await admin.quit();
    copyFileSync(join(server.dir, 'dump.rdb'), join(server.dir, 'older.rdb'));
    // After the snapshot: a logout and a rotation, which the instances record in the database within a second.
    expect((await a.call('POST', '/logout', { token: revoked.access_token })).status).toBe(204);
    const rotated = (await b.refresh(live.refresh_token)).body;
    await sleep(2_500);
    a.close();
    b.close();
    await apps.stopAll();
    // Every instance is gone, and with them what they remembered; Redis comes back from the older file.
    await server.crash();
    copyFileSync(join(server.dir, 'older.rdb'), join(server.dir, 'dump.rdb'));
    await server.restart();
    const second = await apps.startReady(shared, [{}, {}]);
    [a, b] = second.ports.map((port) => new ApiClient(port));
    try {
      for (const client of [a, b]) {
        for (const pair of [revoked, live, rotated]) {
          expect(await client.status('GET', '/me', pair.access_token)).toBe(401);
          expect((await client.refresh(pair.refresh_token)).status).toBe(401);
        }
      }
      const reported = second.processes.map((app) =>
        stripAnsi(`${app.output.stdout}\n${app.output.stderr}`)
          .split('\n')
          .filter((line) => LOSS_LINE.test(line)),
      );
      expect(reported.flat().length).toBeGreaterThanOrEqual(1);
      const fresh = await signInAgain({ clients: [a, b] } as Deployment, email, id);
      for (const client of [a, b]) expect(await client.status('GET', '/me', fresh.access_token)).toBe(200);
    } finally {
      a.close();
      b.close();
    }
  }, 90_000);
});

describe('a Redis that forgets on restart (neither AOF nor RDB)', () => {
  const apps = new AppProcesses();
  let server: PrivateRedis | undefined;

  afterEach(async () => {
    await apps.stopAll();
    await server?.dispose();
    server = undefined;
  });

  afterAll(() => apps.dispose());

  const env = (url: string) => ({ JWT_SECRET: process.env.JWT_SECRET as string, REDIS_URL: url, HOST: '127.0.0.1' });

  it('is refused at start with one line saying what to set', async () => {
    server = new PrivateRedis(['--appendonly', 'no']);
    await server.start();
    const app = await apps.start({ ...env(server.url), PORT: '0' });
    const exit = await waitForExit(app);
    expect(exit?.code).toBe(1);
    const lines = stripAnsi(app.output.stderr).split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe(
      'Redis has neither an append-only file nor RDB snapshots: a restart forgets every revocation; set appendonly yes ' +
        '(CONFIG SET appendonly yes), or accept it with ALLOW_VOLATILE_REDIS=true',
    );
  });

  it('starts with a warning when ALLOW_VOLATILE_REDIS=true', async () => {
    server = new PrivateRedis(['--appendonly', 'no']);
    await server.start();
    const { processes } = await apps.startReady({ ...env(server.url), ALLOW_VOLATILE_REDIS: 'true' }, [{}]);
    expect(stripAnsi(processes[0].output.stdout + processes[0].output.stderr)).toContain(
      'Redis has neither an append-only file nor RDB snapshots: a restart forgets every revocation (allowed by ALLOW_VOLATILE_REDIS=true)',
    );
  });

  it('stops a running app when the Redis it reconnects to has lost its persistence', async () => {
    server = new PrivateRedis(['--appendonly', 'yes']);
    await server.start();
    const { processes } = await apps.startReady(env(server.url), [{}]);
    await server.restart(['--appendonly', 'no']);
    const exit = await waitForExit(processes[0], 15_000);
    expect(exit?.code).toBe(1);
    expect(stripAnsi(processes[0].output.stderr)).toContain('Redis has neither an append-only file nor RDB snapshots');
  }, 30_000);
});
