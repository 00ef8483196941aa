import { randomUUID } from 'node:crypto';
import { type Response, type Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppProcesses } from './support/app-process.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { bearer, getMe } from './support/auth-client.js';
import {
  FAILOVER_TEST_TIMEOUT_MS,
  RedisSentinelSet,
  holds,
  sentinelEnv,
  withConnection,
} from './support/redis-sentinel.js';
import { redisBinary, stopRedisServer } from './support/redis-server.js';
import { claimsOf, loginWithAgent, newAccount, refresh, rotate, type TokenPair } from './support/session-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';
import { StatusTally, type TokenKind } from './support/status-tally.js';
import { eventually } from './support/poll.js';

/**
 * The app on a Sentinel-managed deployment (one master, one replica, three Sentinels on loopback ports): the full
 * flow, two instances, REDIS_WAIT_REPLICAS with a frozen replica, and a failover (SIGKILL of the master) under load.
 *
 * No assertion is about time: every request carries a client timeout, and every wait is a bounded poll.
 */

/** Not Sentinel's default name, so the test also shows that REDIS_SENTINEL_NAME is honoured. */
const MASTER_NAME = 'jwt-primary';
/** Longer than any answer the API may give while Redis is away (commandTimeout 500 ms): a hang fails the request. */
const REQUEST_TIMEOUT_MS = 3000;
/** The GET /me loop around a failover stops at the latest this long after it began. */
const FAILOVER_LOOP_BOUND_MS = 20_000;
const WORKERS = 4;

const STORE_UNAVAILABLE = {
  status: 503,
  retryAfter: '1',
  body: { statusCode: 503, error: 'Service Unavailable', message: 'The session store is unavailable; retry shortly' },
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function postLogout(http: TestAgent, accessToken: string): Test {
  return http.post('/logout').set(bearer(accessToken)).timeout(REQUEST_TIMEOUT_MS);
}

function seen(response: Response): { status: number; retryAfter: unknown; body: unknown } {
  return { status: response.status, retryAfter: response.headers['retry-after'], body: response.body };
}

/** The key under which the app records that this access token was logged out (see RedisKeys.revokedToken). */
function revokedTokenKey(prefix: string, pair: TokenPair): string {
  const claims = claimsOf(pair.access_token);
  return new RedisKeys(prefix).revokedToken(claims.sub, claims.jti);
}

describe('Sentinel: one master, one replica, three Sentinels', () => {
  let set: RedisSentinelSet;

  beforeAll(async () => {
    set = await RedisSentinelSet.start(redisBinary(), { name: MASTER_NAME });
  }, 30_000);

  afterAll(async () => {
    await set?.stop();
  });

  describe('an in-process app configured with REDIS_SENTINELS and REDIS_SENTINEL_NAME (REDIS_URL emptied)', () => {
    const api = useApp(createTestApp, () => sentinelEnv(set));

    it('runs the full flow: register, login, me, refresh, logout (401 after), logout-all; /health/ready 200', async () => {
      const { http } = api();
      const ready = await http.get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { store: { status: 'up', type: 'redis' } } });

      const account = await newAccount(http);
      const first = await loginWithAgent(http, account.email, 'first');
      const me = await getMe(http, first.access_token).expect(200);
      expect(me.body).toMatchObject({ id: account.id, email: account.email });

      const rotated = await rotate(http, first.refresh_token);
      await getMe(http, rotated.access_token).expect(200);
      await postLogout(http, rotated.access_token).expect(204);
      await getMe(http, rotated.access_token).expect(401);
      await refresh(http, rotated.refresh_token).expect(401);

      const laptop = await loginWithAgent(http, account.email, 'laptop');
      const phone = await loginWithAgent(http, account.email, 'phone');
      await http.post('/logout-all').set(bearer(laptop.access_token)).expect(204);
      for (const pair of [laptop, phone]) {
        await getMe(http, pair.access_token).expect(401);
        await refresh(http, pair.refresh_token).expect(401);
      }
      const fresh = await loginWithAgent(http, account.email, 'after-logout-all');
      await getMe(http, fresh.access_token).expect(200);
      await http.get('/health/ready').expect(200);
    });

    it('keeps its state on the master Sentinel names (and its replica), none on the REDIS_URL server', async () => {
      const { http } = api();
      const pair = await loginWithAgent(http, (await newAccount(http)).email);
      await postLogout(http, pair.access_token).expect(204);
      const key = revokedTokenKey(api().keyPrefix, pair);

      expect(await holds(set.master.port, key)).toBe(true);
      expect(await eventually(() => holds(set.replica!.port, key))).toBe(true);
      // `api().redis` is the jest-wide test Redis, which REDIS_URL pointed at before it was emptied.
      expect(await api().redis.keys(`${api().keyPrefix}*`)).toEqual([]);
    });
  });

  describe('two API instances (the built app) on the same Sentinels, JWT_SECRET and REDIS_KEY_PREFIX', () => {
    const apps = new AppProcesses();
    let first: TestAgent;
    let second: TestAgent;

    beforeAll(async () => {
      const env = {
        JWT_SECRET: process.env.JWT_SECRET as string,
        REDIS_SENTINELS: set.sentinelList,
        REDIS_SENTINEL_NAME: MASTER_NAME,
        REDIS_KEY_PREFIX: `s${randomUUID().slice(0, 8)}:`,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
      };
      [first, second] = (await apps.startReady(env, [{}, {}])).agents;
    }, 40_000);

    afterAll(async () => {
      await apps.dispose();
    });

    it('refuses on the other instance, at its next request, a token logged out on one', async () => {
      const account = await newAccount(first);
      const pair = await loginWithAgent(first, account.email);
      await getMe(second, pair.access_token).expect(200);

      await postLogout(first, pair.access_token).expect(204);

      await getMe(second, pair.access_token).expect(401);
      await refresh(second, pair.refresh_token).expect(401);
    });

    it('ends on one instance every session after logout-all on the other', async () => {
      const account = await newAccount(second);
      const onFirst = await loginWithAgent(first, account.email, 'first');
      const onSecond = await loginWithAgent(second, account.email, 'second');

      await second.post('/logout-all').set(bearer(onSecond.access_token)).expect(204);

      await getMe(first, onFirst.access_token).expect(401);
      await refresh(first, onFirst.refresh_token).expect(401);
    });
  });

  describe('REDIS_WAIT_REPLICAS=1 while the replica is frozen (SIGSTOP)', () => {
    // A WAIT bound below the command timeout (500 ms), so the 503 comes from WAIT answering 0, not a client timeout.
    const api = useApp(createTestApp, () =>
      sentinelEnv(set, { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '300' }),
    );

    it('answers 503 and never 204 (the revocation is on the master only), then 204 once the replica is back', async () => {
      const { http } = api();
      const replica = set.replica!;
      const { email } = await newAccount(http);
      const [acknowledged, unconfirmed, alsoUnconfirmed, afterwards] = [
        await loginWithAgent(http, email, 'acknowledged'),
        await loginWithAgent(http, email, 'unconfirmed'),
        await loginWithAgent(http, email, 'also-unconfirmed'),
        await loginWithAgent(http, email, 'afterwards'),
      ];
      await postLogout(http, acknowledged.access_token).expect(204);

      set.freeze(replica);
      let whileFrozen: ReturnType<typeof seen>[] = [];
      let onMaster: boolean[] = [];
      try {
        whileFrozen = [
          seen(await postLogout(http, unconfirmed.access_token)),
          seen(await postLogout(http, alsoUnconfirmed.access_token)),
        ];
        onMaster = [
          await holds(set.master.port, revokedTokenKey(api().keyPrefix, unconfirmed)),
          await holds(set.master.port, revokedTokenKey(api().keyPrefix, alsoUnconfirmed)),
        ];
        // The write is on the master, which answers every read: the token is refused already.
        await getMe(http, unconfirmed.access_token).expect(401);
      } finally {
        set.thaw(replica);
      }

      expect(whileFrozen).toEqual([STORE_UNAVAILABLE, STORE_UNAVAILABLE]);
      expect(onMaster).toEqual([true, true]);

      await set.waitForReplicaLink(replica);
      await postLogout(http, afterwards.access_token).expect(204);
      await getMe(http, afterwards.access_token).expect(401);
      for (const pair of [unconfirmed, alsoUnconfirmed, afterwards]) {
        expect(await eventually(() => holds(replica.port, revokedTokenKey(api().keyPrefix, pair)))).toBe(true);
      }
    });
  });
});

type Kind = TokenKind;
type Phase = 'before' | 'failover' | 'after';

/** Per kind and status: the total, then (before/failover/after). */
function failoverSummary(tally: StatusTally<Phase>): string {
  const phases = tally.phases;
  const line = (kind: Kind, statuses: (number | 'error')[]) =>
    `${kind}: ` +
    statuses
      .map(
        (status) =>
          `${status}=${tally.count({ kind, status })} (${phases.map((phase) => tally.count({ kind, phase, status })).join('/')})`,
      )
      .join(', ');
  return `${line('valid', [200, 401, 503, 500, 'error'])}; ${line('revoked', [200, 401, 503, 500, 'error'])}`;
}

/** For one describe: a Sentinel set of its own, and an in-process app on it with `env`. */
function sentinelAndApp(env: Record<string, string> = {}): () => { set: RedisSentinelSet; api: TestApp } {
  let set: RedisSentinelSet | undefined;
  let api: TestApp | undefined;
  beforeAll(async () => {
    set = await RedisSentinelSet.start(redisBinary(), { name: MASTER_NAME });
    api = await createTestApp(sentinelEnv(set, env));
    // One listening server for the whole describe (supertest would open one per request otherwise).
    await api.app.listen(0, '127.0.0.1');
  }, 30_000);
  afterAll(async () => {
    try {
      await api?.close();
    } finally {
      await set?.stop();
    }
  });
  return () => {
    if (!set || !api) throw new Error('the Sentinel set and its app are only there inside the tests of the describe');
    return { set, api };
  };
}

describe('Sentinel failover: the master SIGKILLed while an app with REDIS_WAIT_REPLICAS=1 serves GET /me', () => {
  const deployment = sentinelAndApp({ REDIS_WAIT_REPLICAS: '1' });

  it(
    'never lets the revoked token through nor answers 500; afterwards, without an app restart, reads and writes go to the new master',
    async () => {
      const { set, api } = deployment();
      const { http } = api;
      const { email } = await newAccount(http);
      const valid = await loginWithAgent(http, email, 'kept');
      const revoked = await loginWithAgent(http, email, 'logged-out');
      // 204 with REDIS_WAIT_REPLICAS=1: the replica (the master-to-be) holds the revocation.
      await postLogout(http, revoked.access_token).expect(204);
      expect(await holds(set.replica!.port, revokedTokenKey(api.keyPrefix, revoked))).toBe(true);
      await getMe(http, valid.access_token).expect(200);
      await getMe(http, revoked.access_token).expect(401);

      const oldMasterPort = set.master.port;
      const promotedPort = set.replica!.port;
      const tally = new StatusTally<Phase>(['before', 'failover', 'after']);
      let phase: Phase = 'before';
      let stop = false;
      const started = Date.now();
      const deadline = started + FAILOVER_LOOP_BOUND_MS;
      const worker = async (id: number) => {
        for (let i = 0; !stop && Date.now() < deadline; i++) {
          const kind: Kind = (id + i) % 2 === 0 ? 'valid' : 'revoked';
          const sentIn = phase;
          let status: number | 'error';
          try {
            status = (await getMe(http, kind === 'valid' ? valid.access_token : revoked.access_token)).status;
          } catch {
            status = 'error';
          }
          tally.add(kind, sentIn, status);
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, id) => worker(id));

      let promoted: { host: string; port: number } | undefined;
      let settledAfter = false;
      try {
        await sleep(300);
        phase = 'failover';
        promoted = await set.failover('SIGKILL');
        phase = 'after';
        // Until both kinds got their right answer from the new master (or the loop's bound).
        while (Date.now() < deadline && !settledAfter) {
          settledAfter =
            tally.count({ kind: 'valid', phase: 'after', status: 200 }) > 0 &&
            tally.count({ kind: 'revoked', phase: 'after', status: 401 }) > 0;
          if (!settledAfter) await sleep(100);
        }
      } finally {
        stop = true;
        await Promise.all(workers);
      }

      process.stdout.write(
        `sentinel failover loop (${WORKERS} workers, ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `master ${oldMasterPort} -> ${promoted?.port ?? 'none'}): ${failoverSummary(tally)} [counts: before/failover/after]\n`,
      );

      expect(promoted).toEqual({ host: '127.0.0.1', port: promotedPort });
      expect(tally.count({ kind: 'revoked', status: 200 })).toBe(0);
      expect(tally.count({ status: 500 })).toBe(0);
      expect(tally.count({ status: 'error' })).toBe(0);
      expect(tally.statuses('valid').filter((status) => status !== '200' && status !== '503')).toEqual([]);
      expect(tally.statuses('revoked').filter((status) => status !== '401' && status !== '503')).toEqual([]);
      expect(tally.count({ kind: 'valid', phase: 'before', status: 200 })).toBeGreaterThan(0);
      expect(settledAfter).toBe(true);

      // Without an app restart: the new master answers reads, and takes writes (no READONLY from a demoted node).
      await getMe(http, valid.access_token).expect(200);
      await getMe(http, revoked.access_token).expect(401);
      await http.get('/health/ready').timeout(REQUEST_TIMEOUT_MS).expect(200);
      const loggedInAfter = await loginWithAgent(http, email, 'after-failover');
      await getMe(http, loggedInAfter.access_token).expect(200);

      // No replica is left to confirm a revocation: the logout is written on the new master but answered 503.
      const unconfirmed = seen(await postLogout(http, loggedInAfter.access_token));
      expect(unconfirmed).toEqual(STORE_UNAVAILABLE);
      expect(await holds(set.master.port, revokedTokenKey(api.keyPrefix, loggedInAfter))).toBe(true);
      await getMe(http, loggedInAfter.access_token).expect(401);

      // The killed node back as a replica of the new master: a logout is acknowledged (204) again.
      const revived = await set.reviveAsReplica();
      const last = await loginWithAgent(http, email, 'after-revival');
      await postLogout(http, last.access_token).expect(204);
      await getMe(http, last.access_token).expect(401);
      expect(await holds(set.master.port, revokedTokenKey(api.keyPrefix, last))).toBe(true);
      expect(await holds(revived.port, revokedTokenKey(api.keyPrefix, last))).toBe(true);
      await getMe(http, valid.access_token).expect(200);
      await getMe(http, revoked.access_token).expect(401);
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );
});

describe('Sentinel failover to a replica that missed writes (REDIS_WAIT_REPLICAS=0)', () => {
  const deployment = sentinelAndApp();

  it(
    'notices the lost writes and refuses every token from before, the one whose logout was lost above all',
    async () => {
      const { set, api } = deployment();
      const { http } = api;
      const { email } = await newAccount(http);
      const kept = await loginWithAgent(http, email, 'kept');
      const loggedOut = await loginWithAgent(http, email, 'logged-out');
      const replica = set.replica!;
      await set.waitForReplicaLink(replica);
      await sleep(200); // the replica has the sessions

      // The replica stops (SIGSTOP) and the master drops its link, so nothing written from now on reaches it (a
      // frozen process's kernel would still take in what the link carried): the logout lives on the master only.
      set.freeze(replica);
      await withConnection(set.master.port, (client) => client.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await postLogout(http, loggedOut.access_token).expect(204);
      expect(await holds(set.master.port, revokedTokenKey(api.keyPrefix, loggedOut))).toBe(true);
      await stopRedisServer(set.master, 'SIGKILL');
      set.thaw(replica);
      const promoted = await set.failover();
      expect(promoted.port).toBe(replica.port);
      expect(await holds(replica.port, revokedTokenKey(api.keyPrefix, loggedOut))).toBe(false);

      // Without the epoch, the logged-out token would work again on the promoted replica.
      const refused = await eventually(async () => {
        const statuses = await Promise.all([kept, loggedOut].map((pair) => getMe(http, pair.access_token)));
        return statuses.every((response) => response.status === 401);
      }, 10_000);
      expect(refused).toBe(true);
      for (const pair of [kept, loggedOut]) expect((await refresh(http, pair.refresh_token)).status).toBe(401);
      const fresh = await loginWithAgent(http, email, 'after-the-loss');
      await getMe(http, fresh.access_token).expect(200);
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );
});
