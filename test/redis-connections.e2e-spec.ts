import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { ApiClient } from './support/api-client.js';
import { AppProcesses, appEnv, httpCall, sleep } from './support/app-process.js';
import { PASSWORD, uniqueEmail } from './support/auth-client.js';
import { FreezingProxy } from './support/freezing-proxy.js';
import { eventually } from './support/poll.js';
import { PrivateRedis } from './support/private-redis.js';
import { StatusTally, type Status, type TokenKind } from './support/status-tally.js';

/**
 * Redis connections that stall, and must neither hang the API nor stay broken: a connection whose peer went silent
 * without closing (a half-open socket, played by a TCP proxy that freezes), a server that holds writes back
 * (`CLIENT PAUSE … WRITE`, what `FAILOVER` does) while the guard must still read, and a frozen server (SIGSTOP),
 * where every request must fail within the command timeout. Two instances behind the proxy, on one redis-server of
 * this suite's own: one with the revocation mirror (the default), one without (every check asks Redis).
 *
 * No assertion is about speed: requests carry a client timeout (a hang is an error, and errors are counted and
 * must be 0), recoveries are bounded polls whose durations are printed, and the frozen server's 503s carry a
 * client timeout of 1.5× the command timeout (a command queued behind another could take 2×).
 */

/** Large against the bench's latencies, so that scheduling noise on a loaded machine is small beside it. */
const COMMAND_TIMEOUT_MS = 1500;
/** While Redis is frozen, every request must be answered (503) within this: the fail-closed contract. */
const ANSWER_BOUND_MS = 1.5 * COMMAND_TIMEOUT_MS;
/** REDIS_SOCKET_TIMEOUT_MS, left at its default: a connection silent for this long while awaiting a reply is dropped. */
const SOCKET_TIMEOUT_MS = 5000;
// The revocation mirror's default staleness bound, and a margin: past it, nothing is answered from memory.
const MIRROR_MAX_STALENESS_MS = 100 + 50;
const RECOVERY_BOUND_MS = 30_000;

interface Instance {
  name: string;
  port: number;
  client: ApiClient;
}

interface Tokens {
  /** Logged in, never logged out. */
  live: string;
  /** Logged out before the faults: refused throughout. */
  revoked: string;
}

/** GET /me on a fresh connection (a hang, or an answer later than `timeoutMs`, counts as 'error'); its status and duration. */
async function me(instance: Instance, token: string, timeoutMs = 5000): Promise<{ status: Status; ms: number }> {
  const startedAt = performance.now();
  try {
    const headers = { authorization: `Bearer ${token}` };
    const { status } = await httpCall(instance.port, 'GET', '/me', { headers, timeoutMs });
    return { status, ms: performance.now() - startedAt };
  } catch {
    return { status: 'error', ms: performance.now() - startedAt };
  }
}

/**
 * `workers` loops per instance, each alternating the live and the revoked token, until `until()` says stop. Each
 * answer is counted in the phase it arrived in: what the state of the store was when the API answered.
 */
async function load<Phase extends string>(
  instances: Instance[],
  tokens: Tokens,
  tally: StatusTally<Phase>,
  phase: () => Phase,
  until: () => boolean,
  workers = 2,
): Promise<void> {
  await Promise.all(
    instances.flatMap((instance) =>
      Array.from({ length: workers }, async (_, worker) => {
        for (let i = worker; !until(); i += 1) {
          const kind: TokenKind = i % 2 === 0 ? 'valid' : 'revoked';
          const { status } = await me(instance, kind === 'valid' ? tokens.live : tokens.revoked);
          tally.add(kind, phase(), status);
        }
      }),
    ),
  );
}

describe('Redis connections that stall', () => {
  // Not usePrivateRedis: the server must outlive the apps, the proxy and the admin connection, closed first below.
  const server = new PrivateRedis();
  let proxy: FreezingProxy;
  let apps: AppProcesses;
  let instances: Instance[];
  let tokens: Tokens;
  let admin: Redis;

  beforeAll(async () => {
    await server.start();
    proxy = await FreezingProxy.start({ host: '127.0.0.1', port: server.port });
    admin = new Redis(server.url, { maxRetriesPerRequest: 0 });
    apps = new AppProcesses();
    const { ports } = await apps.startReady(
      appEnv({ REDIS_URL: proxy.url, REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) }),
      [{ REVOCATION_MIRROR: 'on' }, { REVOCATION_MIRROR: 'off' }],
    );
    instances = ports.map((port, index) => ({
      name: index === 0 ? 'mirror on' : 'mirror off',
      port,
      client: new ApiClient(port),
    }));
    const [a] = instances;
    const { email } = await a.client.register(uniqueEmail());
    const live = await a.client.login(email);
    const revoked = await a.client.login(email);
    expect((await a.client.call('POST', '/logout', { token: revoked.access_token })).status).toBe(204);
    tokens = { live: live.access_token, revoked: revoked.access_token };
  }, 60_000);

  afterAll(async () => {
    for (const instance of instances ?? []) instance.client.close();
    await apps?.dispose();
    await proxy?.close();
    admin?.disconnect();
    await server.dispose();
  });

  /** Each instance answers the live token 200 and the revoked one 401 (polled: after a fault, within the bound). */
  async function expectSettled(): Promise<void> {
    for (const instance of instances) {
      const settled = await eventually(
        async () =>
          (await me(instance, tokens.live)).status === 200 && (await me(instance, tokens.revoked)).status === 401,
        RECOVERY_BOUND_MS,
      );
      expect({ instance: instance.name, settled }).toEqual({ instance: instance.name, settled: true });
    }
  }

  it('answers reads during CLIENT PAUSE WRITE: a write held by the server does not hold the guard’s MGET', async () => {
    await expectSettled();
    const loggingOut = await Promise.all(
      instances.map(async (instance) => ({
        instance,
        ...(await instance.client.login((await register(instance)).email)),
      })),
    );
    const tally = new StatusTally<'paused' | 'after'>(['paused', 'after']);
    // A write of its own, from another connection: it completes when the server lifts the pause, so an answer that
    // arrives before it did arrive during the pause (an ordering, not a clock).
    const probe = new Redis(server.url);
    let pauseOver = false;

    await admin.call('CLIENT', 'PAUSE', '3000', 'WRITE');
    const pausedAt = performance.now();
    const lifted = probe.set('pause-probe', '1').then(() => void (pauseOver = true));
    // One logout per instance: its script is the first write on that instance's shared connection, and the server
    // holds it (and whatever that connection sends after it) until the pause ends.
    const logouts = loggingOut.map(({ instance, access_token }) =>
      instance.client.call('POST', '/logout', { token: access_token }).then(({ status }) => status),
    );
    try {
      await sleep(100);
      await load(
        instances,
        tokens,
        tally,
        () => (pauseOver ? 'after' : 'paused'),
        () => pauseOver || performance.now() - pausedAt > 2500,
      );
      await lifted;
    } finally {
      probe.disconnect();
    }
    const logoutStatuses = await Promise.all(logouts);

    const answered = (phase: 'paused' | 'after') =>
      tally.count({ phase, kind: 'valid', status: 200 }) + tally.count({ phase, kind: 'revoked', status: 401 });
    process.stdout.write(
      `CLIENT PAUSE 3000 WRITE (mirror on and off): ${answered('paused')} reads answered during the pause ` +
        `(live 200=${tally.count({ phase: 'paused', kind: 'valid', status: 200 })}, revoked 401=` +
        `${tally.count({ phase: 'paused', kind: 'revoked', status: 401 })}), ${tally.count({ phase: 'after' })} ` +
        `answered only after it (statuses ${tally.statuses().join(',')}); the logouts sent into it answered ` +
        `${logoutStatuses.join(', ')}\n`,
    );
    expect(answered('paused')).toBeGreaterThan(0);
    expect(tally.count({ phase: 'after' })).toBe(0);
    expect(tally.statuses('valid')).toEqual(['200']);
    expect(tally.statuses('revoked')).toEqual(['401']);
    // The writes were held: each logout timed out (503) instead of completing during the pause.
    expect(logoutStatuses).toEqual(instances.map(() => 503));

    // After the pause, a retry of each logout completes it (the held script may have run meanwhile: 401 then).
    for (const { instance, access_token } of loggingOut) {
      let status = 503;
      expect(
        await eventually(async () => (status = await instance.client.status('POST', '/logout', access_token)) !== 503),
      ).toBe(true);
      expect([204, 401]).toContain(status);
      expect((await me(instance, access_token)).status).toBe(401);
    }
    await expectSettled();
  }, 60_000);

  it('answers 503 within the command timeout while Redis is frozen (SIGSTOP), never 2× it', async () => {
    await expectSettled();
    const timings: { status: Status; ms: number }[] = [];

    server.freeze();
    try {
      await sleep(MIRROR_MAX_STALENESS_MS);
      // A request every 50 ms for 2 s, alternating instances and tokens: arriving while earlier ones still wait.
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 40; i += 1) {
        const instance = instances[i % 2];
        const token = Math.floor(i / 2) % 2 === 0 ? tokens.live : tokens.revoked;
        // Answered within 1.5× the command timeout, or an error: a command queued behind another would take 2×.
        pending.push(me(instance, token, ANSWER_BOUND_MS).then((timing) => void timings.push(timing)));
        await sleep(50);
      }
      await Promise.all(pending);
    } finally {
      server.thaw();
    }

    const durations = timings.map(({ ms }) => ms).sort((x, y) => x - y);
    const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))].toFixed(0);
    process.stdout.write(
      `frozen Redis, REDIS_COMMAND_TIMEOUT_MS=${COMMAND_TIMEOUT_MS}: ${timings.length} answers ` +
        `(${[...new Set(timings.map(({ status }) => status))].join(',')}) in min ${at(0)} / median ${at(0.5)} / ` +
        `max ${at(1)} ms; client timeout ${ANSWER_BOUND_MS} ms (a command queued behind a batch: up to ${2 * COMMAND_TIMEOUT_MS})\n`,
    );
    // A late answer is an 'error' (the client timeout), so this also says: all within the bound.
    expect(timings.filter(({ status }) => status !== 503)).toEqual([]);
    await expectSettled();
  }, 60_000);

  it('drops a half-open connection and reconnects: 503 while the peer is silent, then recovered by itself', async () => {
    await expectSettled();
    const tally = new StatusTally<'frozen' | 'healing'>(['frozen', 'healing']);
    let phase: 'frozen' | 'healing' = 'frozen';
    // Longer than the socket timeout: the dead connections are dropped during the freeze, and the reconnections
    // meet a peer that accepts and says nothing, until the heal.
    const FREEZE_MS = SOCKET_TIMEOUT_MS + 2000;
    const [a] = instances;
    const { email } = await register(a);

    proxy.freeze();
    const frozenAt = performance.now();
    await sleep(MIRROR_MAX_STALENESS_MS);
    await load(
      instances,
      tokens,
      tally,
      () => phase,
      () => performance.now() - frozenAt > FREEZE_MS,
    );
    const frozenLinks = proxy.counts().frozen;
    proxy.heal();
    const healedAt = performance.now();
    phase = 'healing';

    // Polled per instance: the time from the heal to its first 200 for the live token.
    const recoveredAfterMs = await Promise.all(
      instances.map(async (instance) => {
        const recovered = await eventually(async () => {
          const [live, revoked] = await Promise.all([me(instance, tokens.live), me(instance, tokens.revoked)]);
          tally.add('valid', 'healing', live.status);
          tally.add('revoked', 'healing', revoked.status);
          return live.status === 200;
        }, RECOVERY_BOUND_MS);
        return recovered ? performance.now() - healedAt : undefined;
      }),
    );

    process.stdout.write(
      `half-open Redis connections (${frozenLinks} frozen, socket timeout ${SOCKET_TIMEOUT_MS} ms, frozen for ` +
        `${FREEZE_MS} ms): frozen phase live ${JSON.stringify(counts(tally, 'valid', 'frozen'))}, revoked ` +
        `${JSON.stringify(counts(tally, 'revoked', 'frozen'))}; healing phase live ` +
        `${JSON.stringify(counts(tally, 'valid', 'healing'))}, revoked ${JSON.stringify(counts(tally, 'revoked', 'healing'))}; ` +
        instances
          .map((instance, index) => {
            const ms = recoveredAfterMs[index];
            return `${instance.name}: first 200 ${ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`} after the heal`;
          })
          .join(', ') +
        '\n',
    );
    expect(frozenLinks).toBeGreaterThan(0);
    expect(tally.count({ phase: 'frozen' })).toBeGreaterThan(0);
    // Frozen: every answer is the 503 (never 500, never a hang, never the revoked token let through).
    expect(tally.statuses()).not.toContain('error');
    expect(tally.count({ phase: 'frozen', status: 503 })).toBe(tally.count({ phase: 'frozen' }));
    expect(tally.count({ kind: 'revoked', status: 200 })).toBe(0);
    expect(tally.count({ status: 500 })).toBe(0);
    expect(recoveredAfterMs.map((ms) => ms !== undefined)).toEqual(instances.map(() => true));
    await expectSettled();
    // The writes' connection healed too: a login and a logout work again.
    const loggedIn = await eventually(
      async () => (await a.client.call('POST', '/login', { body: { email, password: PASSWORD } })).status === 200,
      RECOVERY_BOUND_MS,
    );
    expect(loggedIn).toBe(true);
    for (const instance of instances) expect((await httpCall(instance.port, 'GET', '/health/ready')).status).toBe(200);
  }, 90_000);
});

function register(instance: Instance): Promise<{ id: string; email: string }> {
  return instance.client.register(uniqueEmail());
}

function counts<Phase extends string>(tally: StatusTally<Phase>, kind: TokenKind, phase: Phase) {
  return Object.fromEntries(
    tally
      .statuses(kind)
      .map((status) => [status, tally.count({ kind, phase, status: status === 'error' ? status : Number(status) })]),
  );
}
