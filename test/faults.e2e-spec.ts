import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import type { Response, Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { PASSWORD, bearer, signUp, uniqueEmail, type Session, getMe } from './support/auth-client.js';
import { PrivateRedis } from './support/private-redis.js';
import { redisBinary } from './support/redis-server.js';
import { loginWithAgent, newAccount, refresh, type TokenPair } from './support/session-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { StatusTally, type TokenKind } from './support/status-tally.js';
import { eventually } from './support/poll.js';

/**
 * Fault injection against a private redis-server per suite: frozen (SIGSTOP), killed and restarted (SIGKILL, AOF),
 * killed under load, slow (DEBUG SLEEP), and killed right after a logout. The API must fail closed (503 +
 * Retry-After, never a 200 for a revoked token, never a 500, never a hang) and recover by itself.
 *
 * No assertion is about time: every request carries a client timeout, so a hang fails the test, and every wait for
 * recovery is a bounded poll.
 */

/** Longer than any answer the API may give during an outage (commandTimeout 500 ms): a hang fails the request. */
const REQUEST_TIMEOUT_MS = 3000;
/** Recovery after Redis comes back: the reconnect backoff is capped at 2 s. */
const RECOVERY_BOUND_MS = 10_000;
/** AOF on, fsynced on every write, as in docker-compose.yml: what was acknowledged survives a SIGKILL. */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

const STORE_UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'The session store is unavailable; retry shortly',
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
// The revocation mirror's default staleness bound, and a margin: past it, nothing is answered from memory.
const MIRROR_MAX_STALENESS_MS = 100 + 50;

/** Redis 7 and Valkey refuse DEBUG unless enabled at start; older servers do not know the option. */
function debugCommandArgs(binary: string): string[] {
  const version = /v=(\d+)\./.exec(spawnSync(binary, ['--version']).stdout.toString())?.[1];
  return Number(version) >= 7 ? ['--enable-debug-command', 'local'] : [];
}

function getPath(http: TestAgent, path: string): Test {
  return http.get(path).timeout(REQUEST_TIMEOUT_MS);
}

function postLogin(http: TestAgent, email: string): Test {
  return http.post('/login').send({ email, password: PASSWORD }).timeout(REQUEST_TIMEOUT_MS);
}

function postRegister(http: TestAgent): Test {
  return http.post('/register').send({ email: uniqueEmail(), password: PASSWORD }).timeout(REQUEST_TIMEOUT_MS);
}

function postRefresh(http: TestAgent, refreshToken: string): Test {
  return refresh(http, refreshToken).timeout(REQUEST_TIMEOUT_MS);
}

function postLogout(http: TestAgent, accessToken: string): Test {
  return http.post('/logout').set(bearer(accessToken)).timeout(REQUEST_TIMEOUT_MS);
}

/** What a client sees; one object, so a failure shows status, header and body together. */
function seen(response: Response): { status: number; retryAfter: unknown; body: unknown } {
  return { status: response.status, retryAfter: response.headers['retry-after'], body: response.body };
}

const STORE_UNAVAILABLE = { status: 503, retryAfter: '1', body: STORE_UNAVAILABLE_BODY };

interface Rig {
  redis: PrivateRedis;
  api: TestApp;
  http: TestAgent;
}

/**
 * One private redis-server and one app for the enclosing describe . The app listens on a loopback port, so concurrent requests share one server.
 */
function useRig(extraArgs: string[] = []): () => Rig {
  let rig: Rig | undefined;
  const redis = new PrivateRedis([...DURABLE, ...extraArgs]);
  beforeAll(async () => {
    await redis.start();
    const api = await createTestApp({ REDIS_URL: redis.url });
    rig = { redis, api, http: api.http };
    await api.app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    try {
      await rig?.api.close();
    } finally {
      await redis.dispose();
    }
  });
  return () => {
    if (!rig) throw new Error('the rig is only available inside a test');
    return rig;
  };
}

/** A signed-up user whose access token was logged out (204): the token must be refused for good. */
async function loggedOut(http: TestAgent): Promise<Session> {
  const session = await signUp(http);
  await postLogout(http, session.accessToken).expect(204);
  return session;
}

/** Asserts every store-dependent route fails closed with the exact 503, and liveness stays up. */
async function expectFailClosed(
  http: TestAgent,
  tokens: { valid: string; revoked: string; email: string; refreshToken: string },
): Promise<void> {
  const [valid, revoked, login, register, refreshed, ready, live] = await Promise.all([
    getMe(http, tokens.valid),
    getMe(http, tokens.revoked),
    postLogin(http, tokens.email),
    postRegister(http),
    postRefresh(http, tokens.refreshToken),
    getPath(http, '/health/ready'),
    getPath(http, '/health/live'),
  ]);
  expect(seen(valid)).toEqual(STORE_UNAVAILABLE);
  expect(seen(revoked)).toEqual(STORE_UNAVAILABLE);
  expect(seen(login)).toEqual(STORE_UNAVAILABLE);
  expect(seen(register)).toEqual(STORE_UNAVAILABLE);
  expect(seen(refreshed)).toEqual(STORE_UNAVAILABLE);
  expect(ready.status).toBe(503);
  expect(live.status).toBe(200);
}

describe('fault injection: Redis frozen (SIGSTOP), connections left open', () => {
  const rig = useRig();
  let valid: Session;
  let revoked: Session;
  let spare: TokenPair;

  beforeAll(async () => {
    const { http } = rig();
    valid = await signUp(http);
    revoked = await loggedOut(http);
    spare = await loginWithAgent(http, (await newAccount(http)).email);
  });

  it('answers 503 + Retry-After (never 200, never 500, never a hang) while frozen, and recovers after SIGCONT', async () => {
    const { http, redis } = rig();
    await getMe(http, valid.accessToken).expect(200);
    await getMe(http, revoked.accessToken).expect(401);

    redis.freeze();
    try {
      // The revocation mirror may answer a valid token from memory while its heartbeat is younger than the
      // staleness bound (REVOCATION_MIRROR_MAX_STALENESS_MS, 100 ms by default): an answer true as of then.
      await sleep(MIRROR_MAX_STALENESS_MS);
      await expectFailClosed(http, {
        valid: valid.accessToken,
        revoked: revoked.accessToken,
        email: valid.email,
        refreshToken: spare.refresh_token,
      });
      // Still frozen a moment later: requests that queued behind timed-out ones fail the same way.
      expect(seen(await getMe(http, revoked.accessToken))).toEqual(STORE_UNAVAILABLE);
    } finally {
      redis.thaw();
    }

    expect(await eventually(async () => (await getMe(http, valid.accessToken)).status === 200, RECOVERY_BOUND_MS)).toBe(
      true,
    );
    // The replies to the commands that timed out arrived late; none of them may answer a later request.
    await getMe(http, revoked.accessToken).expect(401);
    await getMe(http, valid.accessToken).expect(200);
    await getPath(http, '/health/ready').expect(200);
    await postLogin(http, valid.email).expect(200);
  });
});

describe('fault injection: Redis killed (SIGKILL) and restarted on the same port and data dir (AOF)', () => {
  const rig = useRig();
  let valid: Session;
  let before: TokenPair;
  let spare: TokenPair;

  beforeAll(async () => {
    const { http } = rig();
    valid = await signUp(http);
    const account = await newAccount(http);
    before = await loginWithAgent(http, account.email, 'before-the-kill');
    spare = await loginWithAgent(http, account.email, 'refreshed-during-the-outage');
  });

  it('fails closed while down; after the restart, recovers without an app restart, keeps the logout and the session', async () => {
    const { http, redis } = rig();
    const revoked = await signUp(http);
    await postLogout(http, revoked.accessToken).expect(204);

    await redis.crash();
    await expectFailClosed(http, {
      valid: valid.accessToken,
      revoked: revoked.accessToken,
      email: valid.email,
      refreshToken: spare.refresh_token,
    });

    await redis.restart();
    expect(await eventually(async () => (await getMe(http, valid.accessToken)).status === 200, RECOVERY_BOUND_MS)).toBe(
      true,
    );
    // The logout answered 204 before the kill is still in force.
    await getMe(http, revoked.accessToken).expect(401);
    // A session created before the kill still refreshes (its refresh token survived in the AOF).
    const refreshed = await postRefresh(http, before.refresh_token).expect(200);
    await getMe(http, (refreshed.body as TokenPair).access_token).expect(200);
    await getPath(http, '/health/ready').expect(200);
  });
});

type Kind = TokenKind;
type Phase = 'before' | 'outage' | 'after';

const WORKERS = 8;
const USERS_PER_KIND = 5;
const LOOP_MS = 7000;
const KILL_AT_MS = 1500;
const RESTART_AT_MS = 3000;
const MAX_ITERATIONS_PER_WORKER = 50_000;

/** One summary line, then the counts per phase. */
function faultTable(tally: StatusTally<Phase>, timeline: string): string {
  const phases = tally.phases;
  const cell = (value: string | number, width = 8) => String(value).padStart(width);
  const row = (kind: Kind, status: number) =>
    `  ${`${kind} ${status}`.padEnd(13)}` +
    phases.map((phase) => cell(tally.count({ kind, phase, status }))).join('') +
    `${cell(tally.count({ kind, status }))}\n`;
  const other = tally.count({}) - [200, 401, 503].reduce((sum, status) => sum + tally.count({ status }), 0);
  const summary =
    `fault load loop (${WORKERS} workers, ${timeline}): ` +
    `valid 200=${tally.count({ kind: 'valid', status: 200 })}, 503=${tally.count({ kind: 'valid', status: 503 })}; ` +
    `revoked 401=${tally.count({ kind: 'revoked', status: 401 })}, 503=${tally.count({ kind: 'revoked', status: 503 })}, ` +
    `200=${tally.count({ kind: 'revoked', status: 200 })}; 500=${tally.count({ status: 500 })}; other=${other}\n`;
  const header = `  ${'kind status'.padEnd(13)}${phases.map((phase) => cell(phase)).join('')}${cell('total')}\n`;
  return (
    summary +
    header +
    row('valid', 200) +
    row('valid', 503) +
    row('revoked', 401) +
    row('revoked', 503) +
    row('revoked', 200)
  );
}

describe('fault injection: Redis killed and restarted under concurrent load', () => {
  const rig = useRig();
  const tokens: Record<Kind, string[]> = { valid: [], revoked: [] };

  beforeAll(async () => {
    const { http } = rig();
    for (let user = 0; user < USERS_PER_KIND; user++) {
      tokens.valid.push((await signUp(http)).accessToken);
      tokens.revoked.push((await loggedOut(http)).accessToken);
    }
  });

  it('never lets a revoked token through and never answers 500 while Redis dies and comes back', async () => {
    const { http, redis } = rig();
    const tally = new StatusTally<Phase>(['before', 'outage', 'after']);
    let phase: Phase = 'before';
    let stop = false;
    let firstRecoveredAt: number | undefined;
    const started = Date.now();
    const deadline = started + LOOP_MS;

    const worker = async (id: number) => {
      for (let i = 0; i < MAX_ITERATIONS_PER_WORKER && !stop && Date.now() < deadline; i++) {
        const kind: Kind = (id + i) % 2 === 0 ? 'valid' : 'revoked';
        const token = tokens[kind][Math.floor((id + i) / 2) % USERS_PER_KIND];
        const sentIn = phase;
        let status: number | 'error';
        try {
          status = (await getMe(http, token)).status;
        } catch {
          status = 'error';
        }
        tally.add(kind, sentIn, status);
        if (sentIn === 'after' && kind === 'valid' && status === 200) firstRecoveredAt ??= Date.now();
      }
    };

    const workers = Array.from({ length: WORKERS }, (_, id) => worker(id));
    let killedAt = 0;
    let restartedAt = 0;
    try {
      await sleep(started + KILL_AT_MS - Date.now());
      phase = 'outage';
      await redis.crash();
      killedAt = Date.now();
      await sleep(started + RESTART_AT_MS - Date.now());
      await redis.restart();
      restartedAt = Date.now();
      phase = 'after';
    } finally {
      if (phase !== 'after') stop = true;
      await Promise.all(workers);
    }

    // Recorded, not asserted: speed belongs in the benchmarks.
    const at = (time: number | undefined) =>
      time === undefined ? 'never' : `${((time - started) / 1000).toFixed(1)} s`;
    process.stdout.write(
      faultTable(
        tally,
        `${(LOOP_MS / 1000).toFixed(0)} s; SIGKILL at ${at(killedAt)}, restart at ${at(restartedAt)}, ` +
          `first valid 200 after restart at ${at(firstRecoveredAt)}`,
      ),
    );

    expect(tally.count({ kind: 'revoked', status: 200 })).toBe(0);
    expect(tally.count({ status: 500 })).toBe(0);
    expect(tally.count({ status: 'error' })).toBe(0);
    expect(tally.statuses('valid').filter((status) => status !== '200' && status !== '503')).toEqual([]);
    expect(tally.statuses('revoked').filter((status) => status !== '401' && status !== '503')).toEqual([]);
    // The outage was seen, and each kind got its right answer both before the kill and after the recovery.
    expect(tally.count({ kind: 'valid', status: 503 })).toBeGreaterThan(0);
    expect(tally.count({ kind: 'valid', phase: 'before', status: 200 })).toBeGreaterThan(0);
    expect(tally.count({ kind: 'valid', phase: 'after', status: 200 })).toBeGreaterThan(0);
    expect(tally.count({ kind: 'revoked', phase: 'before', status: 401 })).toBeGreaterThan(0);
    expect(tally.count({ kind: 'revoked', phase: 'after', status: 401 })).toBeGreaterThan(0);

    // Settled: every valid token works and every revoked one is refused.
    for (const token of tokens.valid) await getMe(http, token).expect(200);
    for (const token of tokens.revoked) await getMe(http, token).expect(401);
  });
});

describe('fault injection: Redis slow (DEBUG SLEEP 2 on another connection), not down', () => {
  const rig = useRig(debugCommandArgs(redisBinary()));
  let valid: Session;
  let revoked: Session;
  let sleeper: Redis;

  beforeAll(async () => {
    const { http, redis } = rig();
    valid = await signUp(http);
    revoked = await loggedOut(http);
    sleeper = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    await sleeper.ping();
  });

  afterAll(async () => {
    await sleeper?.quit();
  });

  it('answers 503 after the command timeout instead of waiting for the server, then 200 again', async () => {
    const { http } = rig();
    await getMe(http, valid.accessToken).expect(200);

    // Blocks the whole server for 2 s; the connections stay open and the server is alive.
    const asleep = sleeper.call('DEBUG', 'SLEEP', '2');
    await sleep(200);
    const [me, revokedMe, ready, live] = await Promise.all([
      getMe(http, valid.accessToken),
      getMe(http, revoked.accessToken),
      getPath(http, '/health/ready'),
      getPath(http, '/health/live'),
    ]);
    // Had the app waited for the server, these would be 200/401 once it woke up, not 503.
    expect(seen(me)).toEqual(STORE_UNAVAILABLE);
    expect(seen(revokedMe)).toEqual(STORE_UNAVAILABLE);
    expect(ready.status).toBe(503);
    expect(live.status).toBe(200);
    expect(await asleep).toBe('OK');

    // Awake again: the late replies to the timed-out commands must not answer these requests.
    await getMe(http, valid.accessToken).expect(200);
    await getMe(http, revoked.accessToken).expect(401);
    await getPath(http, '/health/ready').expect(200);
  });
});

describe('fault injection: durability of a logout across SIGKILL (AOF, appendfsync always)', () => {
  const rig = useRig();
  const ROUNDS = 3;
  let probe: Session;

  beforeAll(async () => {
    probe = await signUp(rig().http);
  });

  it(`keeps a logout acknowledged just before a SIGKILL, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const { http, redis } = rig();
    const outcomes: { round: number; logout: number; recovered: boolean; access: number; refresh: number }[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const { email } = await newAccount(http);
      const pair = await loginWithAgent(http, email, `round-${round}`);
      const logout = (await postLogout(http, pair.access_token)).status;
      // Immediately: no graceful shutdown, no chance for a late flush.
      await redis.crash();
      await redis.restart();
      const recovered = await eventually(
        async () => (await getMe(http, probe.accessToken)).status === 200,
        RECOVERY_BOUND_MS,
      );
      const access = (await getMe(http, pair.access_token)).status;
      const refreshStatus = (await postRefresh(http, pair.refresh_token)).status;
      outcomes.push({ round, logout, recovered, access, refresh: refreshStatus });
    }

    expect(outcomes).toEqual(
      Array.from({ length: ROUNDS }, (_, index) => ({
        round: index + 1,
        logout: 204,
        recovered: true,
        access: 401,
        refresh: 401,
      })),
    );
  });
});
