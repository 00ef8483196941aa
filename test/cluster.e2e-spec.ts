import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type TestAgent from 'supertest/lib/agent.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { describeSessionStoreContract } from '../src/sessions/testing/session-store.contract.js';
import { PrefixedThrottlerStorage } from '../src/throttling/prefixed-throttler.storage.js';
import { appEnv, AppProcesses, httpCall, sleep, type AppProcess } from './support/app-process.js';
import { PASSWORD, bearer, uniqueEmail } from './support/auth-client.js';
import { onNode, startRedisCluster, stopRedisCluster, type RedisCluster } from './support/redis-cluster.js';
import {
  claimsOf,
  loginWithAgent,
  sidOf,
  signUpOn,
  type SessionEntry,
  type TokenPair,
} from './support/session-client.js';
import { ApiClient } from './support/api-client.js';
import { eventually } from './support/poll.js';
import { redisStores } from './support/redis-client.js';
import { RaceRunner } from './support/revocation-race.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The API on a real Redis Cluster (3 masters, 3 replicas, AOF fsynced on every write): every store operation runs
 * in one slot (no CROSSSLOT), the whole auth flow works, two instances share revocations, a revocation survives the
 * failover of the master that holds it, and REDIS_WAIT_REPLICAS makes a logout wait for the replica.
 *
 * No assertion is about time: every wait is a bounded poll, and every request carries a client timeout.
 */

/** How long the failover probe keeps asking GET /me after the SIGKILL of the master. */
const FAILOVER_PROBE_BOUND_MS = 15_000;

let cluster: RedisCluster | undefined;

function running(): RedisCluster {
  if (!cluster) throw new Error('the cluster is only available inside a test');
  return cluster;
}

/** An ioredis Cluster client of the test's own (the stores' contract runs on it; tests read what the app wrote). */
function clusterClient(): Cluster {
  return new Cluster(running().startupNodes, { enableAutoPipelining: true });
}

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  await stopRedisCluster(cluster);
});

describe('store adapters on an ioredis Cluster client (no CROSSSLOT on any operation)', () => {
  const prefix = `cl${randomUUID().slice(0, 8)}:`;
  const keys = new RedisKeys(prefix);
  let client: Cluster;
  let stores: Awaited<ReturnType<typeof redisStores>>;

  beforeAll(async () => {
    client = clusterClient();
    stores = await redisStores({ on: { redis: client, keys } });
  });

  afterAll(async () => {
    await stores.close();
    await client.quit();
  });

  describeSessionStoreContract('RedisSessionStore on a Cluster', (terms) => stores.fixture(terms));

  it('keeps one epoch record on every master, all of one epoch, each counting the changes made there', async () => {
    const records = await Promise.all(
      client.nodes('master').map(async (node) => {
        const found = await node.keys(`${prefix}epoch{*}`);
        return Promise.all(found.map((key) => node.hgetall(key)));
      }),
    );
    expect(records.map((onMaster) => onMaster.length)).toEqual([1, 1, 1]);
    const ids = new Set(records.flat().map((record) => record.id));
    expect(ids).toEqual(new Set([await stores.epoch.current()]));
    expect(records.flat().every((record) => Number(record.rev) > 0)).toBe(true);
  });

  it('spread the keys of the suites above over every master (so they ran against more than one shard)', async () => {
    const perMaster = await Promise.all(client.nodes('master').map((node) => node.keys(`${prefix}*`)));
    expect(perMaster).toHaveLength(3);
    expect(perMaster.map((found) => found.length > 0)).toEqual([true, true, true]);
  });

  describe('PrefixedThrottlerStorage', () => {
    it('uses the cluster client it is given, and counts then blocks on it', async () => {
      const storage = new PrefixedThrottlerStorage(client, `${prefix}throttle:`);
      expect(storage.redis).toBe(client);
      const tracker = randomUUID();

      const hits = [];
      for (let attempt = 0; attempt < 3; attempt += 1)
        hits.push(await storage.increment(tracker, 60_000, 2, 60_000, 'ip'));

      expect(hits.map(({ totalHits, isBlocked }) => ({ totalHits, isBlocked }))).toEqual([
        { totalHits: 1, isBlocked: false },
        { totalHits: 2, isBlocked: false },
        { totalHits: 3, isBlocked: true },
      ]);
      expect(await client.exists(`${prefix}throttle:{${tracker}:ip}:hits`)).toBe(1);
      expect(await client.exists(`${prefix}throttle:{${tracker}:ip}:blocked`)).toBe(1);
    });

    it('counts trackers whose keys live on every master', async () => {
      const storage = new PrefixedThrottlerStorage(client, `${prefix}throttle:`);
      const trackers = Array.from({ length: 30 }, () => randomUUID());

      const counted = await Promise.all(
        trackers.map((tracker) => storage.increment(tracker, 60_000, 5, 60_000, 'account')),
      );

      expect(counted.map(({ totalHits }) => totalHits)).toEqual(trackers.map(() => 1));
      const owners = await Promise.all(
        trackers.map(
          async (tracker) => (await running().ownerOf(`${prefix}throttle:{${tracker}:account}:hits`)).master.port,
        ),
      );
      expect(new Set(owners).size).toBe(3);
    });
  });
});

describe('the auth flow on an in-process app configured with REDIS_CLUSTER_NODES', () => {
  let api: TestApp;
  let http: TestAgent;
  let reader: Cluster;

  beforeAll(async () => {
    // REDIS_URL (set by the global setup) is emptied: an empty value counts as unset, so the topology is the cluster.
    api = await createTestApp({ REDIS_URL: '', REDIS_CLUSTER_NODES: running().nodesEnv });
    http = api.http;
    reader = clusterClient();
  });

  afterAll(async () => {
    await reader.quit();
    await api?.close();
  });

  async function newUser(): Promise<{ id: string; email: string }> {
    const email = uniqueEmail();
    const response = await http.post('/register').send({ email, password: PASSWORD }).expect(201);
    return response.body as { id: string; email: string };
  }

  const meStatus = async (accessToken: string) => (await http.get('/me').set(bearer(accessToken))).status;
  const refreshStatus = async (refreshToken: string) =>
    (await http.post('/refresh').send({ refresh_token: refreshToken })).status;

  it('is ready (GET /health/ready 200) and writes to the cluster, not to the standalone test Redis', async () => {
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { store: { type: 'redis', status: 'up' } } });

    const user = await newUser();
    const session = sidOf(await loginWithAgent(http, user.email));

    const keys = new RedisKeys(api.keyPrefix);
    expect(await reader.zrange(keys.sessions(user.id), '0', '-1')).toEqual([session]);
    expect(await reader.exists(keys.session(user.id, session))).toBe(1);
    expect(await api.redis.exists(keys.sessions(user.id))).toBe(0);
  });

  it('registers, logs in, answers /me, rotates the refresh token, and logs out (the token then refused)', async () => {
    const user = await newUser();
    const first = await loginWithAgent(http, user.email);

    const me = await http.get('/me').set(bearer(first.access_token)).expect(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email });

    const rotated = (await http.post('/refresh').send({ refresh_token: first.refresh_token }).expect(200))
      .body as TokenPair;
    expect(sidOf(rotated)).toBe(sidOf(first));
    expect(await meStatus(rotated.access_token)).toBe(200);

    await http.post('/logout').set(bearer(rotated.access_token)).expect(204);
    expect(await meStatus(rotated.access_token)).toBe(401);
    expect(await meStatus(first.access_token)).toBe(401);
    expect(await refreshStatus(rotated.refresh_token)).toBe(401);
  });

  it('lists the sessions and ends one of them by id', async () => {
    const user = await newUser();
    const laptop = await loginWithAgent(http, user.email, 'laptop');
    const phone = await loginWithAgent(http, user.email, 'phone');

    const listed = (await http.get('/sessions').set(bearer(laptop.access_token)).expect(200)).body as SessionEntry[];
    expect(Object.fromEntries(listed.map((entry) => [entry.sid, entry.userAgent]))).toEqual({
      [sidOf(laptop)]: 'laptop',
      [sidOf(phone)]: 'phone',
    });

    await http
      .delete(`/sessions/${sidOf(phone)}`)
      .set(bearer(laptop.access_token))
      .expect(204);

    expect(await meStatus(phone.access_token)).toBe(401);
    expect(await refreshStatus(phone.refresh_token)).toBe(401);
    expect(await meStatus(laptop.access_token)).toBe(200);
    const after = (await http.get('/sessions').set(bearer(laptop.access_token)).expect(200)).body as SessionEntry[];
    expect(after.map((entry) => entry.sid)).toEqual([sidOf(laptop)]);
  });

  it('ends every session with logout-all', async () => {
    const user = await newUser();
    const a = await loginWithAgent(http, user.email, 'a');
    const b = await loginWithAgent(http, user.email, 'b');

    await http.post('/logout-all').set(bearer(a.access_token)).expect(204);

    for (const pair of [a, b]) {
      expect(await meStatus(pair.access_token)).toBe(401);
      expect(await refreshStatus(pair.refresh_token)).toBe(401);
    }
    expect(await meStatus((await loginWithAgent(http, user.email)).access_token)).toBe(200);
  });

  it('changes the password: every older session ends, the fresh one works, only the new password logs in', async () => {
    const user = await newUser();
    const caller = await loginWithAgent(http, user.email, 'caller');
    const other = await loginWithAgent(http, user.email, 'other');
    const newPassword = 'an entirely new passphrase';

    const fresh = (
      await http
        .post('/me/password')
        .set(bearer(caller.access_token))
        .send({ current_password: PASSWORD, new_password: newPassword })
        .expect(200)
    ).body as TokenPair;

    expect(await meStatus(fresh.access_token)).toBe(200);
    for (const old of [caller, other]) {
      expect(await meStatus(old.access_token)).toBe(401);
      expect(await refreshStatus(old.refresh_token)).toBe(401);
    }
    await http.post('/login').send({ email: user.email, password: PASSWORD }).expect(401);
    await http.post('/login').send({ email: user.email, password: newPassword }).expect(200);
  });
});

describe('built app processes on the cluster', () => {
  const apps = new AppProcesses();
  const sharedPrefix = `p${randomUUID().slice(0, 8)}:`;
  const durablePrefix = `w${randomUUID().slice(0, 8)}:`;
  let first: TestAgent;
  let second: TestAgent;
  let sharedPorts: number[];
  let durablePort: number;
  let durableApp: AppProcess;

  beforeAll(async () => {
    const env = appEnv({ REDIS_CLUSTER_NODES: running().nodesEnv, HOST: '127.0.0.1' });
    const { agents, ports, processes } = await apps.startReady(env, [
      { REDIS_KEY_PREFIX: sharedPrefix },
      { REDIS_KEY_PREFIX: sharedPrefix },
      // Revocations are acknowledged only once the replica of the owning master holds them.
      { REDIS_KEY_PREFIX: durablePrefix, REDIS_WAIT_REPLICAS: '1' },
    ]);
    [first, second] = agents;
    sharedPorts = ports.slice(0, 2);
    durablePort = ports[2];
    durableApp = processes[2];
  }, 40_000);

  afterAll(async () => {
    await apps.dispose();
  });

  describe('two instances sharing the cluster and key prefix', () => {
    it('refuses on the other instance, at its next request, a token logged out on one', async () => {
      const tokens = await signUpOn(first);
      await second.get('/me').set(bearer(tokens.access_token)).expect(200);

      await first.post('/logout').set(bearer(tokens.access_token)).expect(204);

      await second.get('/me').set(bearer(tokens.access_token)).expect(401);
      await second.post('/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    });

    it('ends on one instance the sessions a logout-all on the other ended', async () => {
      const tokens = await signUpOn(second);
      await first.get('/me').set(bearer(tokens.access_token)).expect(200);

      await second.post('/logout-all').set(bearer(tokens.access_token)).expect(204);

      await first.get('/me').set(bearer(tokens.access_token)).expect(401);
    });

    it('lets no refresh raced against a logout-all on the other instance mint a surviving token (200 rounds)', async () => {
      const [a, b] = sharedPorts.map((port) => new ApiClient(port));
      const races = new RaceRunner(a, b, { rounds: 200, lanes: 8 });
      try {
        const tally = await races.run(races.logoutAllVersusRefresh('logout-all vs refresh (Cluster)'));
        console.log(races.report('revocation races on the Cluster'));
        expect(tally.revoked).toBe(200);
        expect(tally.survivors).toBe(0);
      } finally {
        a.close();
        b.close();
      }
    }, 120_000);

    it("notices a FLUSHALL of the master that holds a user's keys, on both instances, and refuses its tokens", async () => {
      const [a, b] = sharedPorts.map((port) => new ApiClient(port));
      try {
        const { id, email } = await a.register();
        const revoked = await a.login(email);
        const live = await b.login(email);
        expect((await a.call('POST', '/logout', { token: revoked.access_token })).status).toBe(204);
        const owner = await running().ownerOf(new RedisKeys(sharedPrefix).sessions(id));
        await onNode(owner.master.port, (redis) => redis.flushall());
        const startedAt = Date.now();
        let revokedAccepted = 0;
        const refusedBoth = async () => {
          const statuses = await Promise.all(
            [a, b].flatMap((api) => [revoked, live].map((pair) => api.status('GET', '/me', pair.access_token))),
          );
          revokedAccepted += [statuses[0], statuses[2]].filter((status) => status === 200).length;
          return statuses.every((status) => status === 401);
        };
        expect(await eventually(refusedBoth, 1_500)).toBe(true);
        console.log(
          `FLUSHALL of one master: noticed by both instances within ${Date.now() - startedAt} ms; the revoked token ` +
            `accepted ${revokedAccepted} times meanwhile (a Cluster checks the epoch records every 250 ms)`,
        );
        for (const api of [a, b]) expect((await api.refresh(live.refresh_token)).status).toBe(401);
      } finally {
        a.close();
        b.close();
      }
    });
  });

  /** POST/GET on the durable (REDIS_WAIT_REPLICAS=1) app over a fresh connection, with a 5 s client timeout. */
  const durable = (method: string, path: string, options: Parameters<typeof httpCall>[3] = {}) =>
    httpCall(durablePort, method, path, options);

  /** GET /me on the durable app: the status as a string, or the client error (a hang ends at the 5 s timeout). */
  const me = (token: TokenPair) =>
    durable('GET', '/me', { headers: bearer(token.access_token) }).then(
      (answer) => String(answer.status),
      (error: Error) => `error: ${error.message}`,
    );

  async function durableLogin(email: string): Promise<TokenPair> {
    const answer = await durable('POST', '/login', { body: { email, password: PASSWORD } });
    if (answer.status !== 200) throw new Error(`login answered ${answer.status}: ${answer.text}`);
    return answer.json as TokenPair;
  }

  async function durableUser(): Promise<{ email: string; userId: string }> {
    const email = uniqueEmail();
    const answer = await durable('POST', '/register', { body: { email, password: PASSWORD } });
    if (answer.status !== 201) throw new Error(`register answered ${answer.status}: ${answer.text}`);
    return { email, userId: (answer.json as { id: string }).id };
  }

  /** The revoked-jti key of an access token, read from a node (a replica needs READONLY to answer for its slot). */
  async function readJtiKeyOn(port: number, key: string): Promise<string | null> {
    return onNode(port, async (redis) => {
      await redis.readonly();
      return redis.get(key);
    });
  }

  describe('REDIS_WAIT_REPLICAS=1', () => {
    it("answers the logout 204, and the replica of the owning master then holds the token's jti key", async () => {
      const { email, userId } = await durableUser();
      const tokens = await durableLogin(email);
      const key = new RedisKeys(durablePrefix).revokedToken(userId, claimsOf(tokens.access_token).jti);

      const logout = await durable('POST', '/logout', { headers: bearer(tokens.access_token) });

      expect(logout.status).toBe(204);
      const owner = await running().ownerOf(key);
      expect(owner.replicas).toHaveLength(1);
      expect(await readJtiKeyOn(owner.replicas[0].port, key)).toBe('1');
      expect(await readJtiKeyOn(owner.master.port, key)).toBe('1');
      expect((await durable('GET', '/me', { headers: bearer(tokens.access_token) })).status).toBe(401);
    });
  });

  describe('failover of the master that owns the user', () => {
    it('never lets the revoked token through, never answers 500, and recovers by itself after the promotion', async () => {
      const { email, userId } = await durableUser();
      const valid = await durableLogin(email);
      const revoked = await durableLogin(email);
      expect((await durable('POST', '/logout', { headers: bearer(revoked.access_token) })).status).toBe(204);
      expect([await me(valid), await me(revoked)]).toEqual(['200', '401']);

      // Every key of the user carries `{<userId>}`: the master owning that slot holds the revocation.
      const owner = await running().ownerOf(new RedisKeys(durablePrefix).sessions(userId));
      expect(owner.replicas).toHaveLength(1);
      await running().kill(owner.master);
      const killedAt = Date.now();
      let promoted = false;
      const promotion = running()
        .waitForPromotion(owner)
        .finally(() => (promoted = true));
      promotion.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile

      // A pair of requests every 100 ms, each on its own connection, whether or not the earlier ones answered yet.
      const counts = { valid: {} as Record<string, number>, revoked: {} as Record<string, number> };
      const timeline: string[] = [];
      const probes: Promise<void>[] = [];
      let recovered = false;
      while (!recovered && Date.now() - killedAt < FAILOVER_PROBE_BOUND_MS) {
        const afterPromotion = promoted;
        const sentAt = Date.now();
        probes.push(
          Promise.all([me(valid), me(revoked)]).then(([validStatus, revokedStatus]) => {
            counts.valid[validStatus] = (counts.valid[validStatus] ?? 0) + 1;
            counts.revoked[revokedStatus] = (counts.revoked[revokedStatus] ?? 0) + 1;
            timeline.push(`+${sentAt - killedAt}ms ${validStatus}/${revokedStatus} in ${Date.now() - sentAt}ms`);
            if (afterPromotion && validStatus === '200' && revokedStatus === '401') recovered = true;
          }),
        );
        await sleep(100);
      }
      await Promise.all(probes);
      const newMaster = await promotion;
      console.log(
        [
          `failover of port ${owner.master.port} to ${newMaster.port}; GET /me statuses: ${JSON.stringify(counts)}`,
          `recovered without restart: ${recovered}; timeline (valid/revoked): ${timeline.join(', ')}`,
        ].join('\n'),
      );

      expect(newMaster.port).toBe(owner.replicas[0].port);
      expect(counts.revoked['200'] ?? 0).toBe(0);
      expect(counts.valid['500'] ?? 0).toBe(0);
      expect(counts.revoked['500'] ?? 0).toBe(0);
      // Every request was answered (none hung past the client's 5 s timeout), and only with these statuses.
      expect(Object.keys(counts.valid).filter((status) => !['200', '503'].includes(status))).toEqual([]);
      expect(Object.keys(counts.revoked).filter((status) => !['401', '503'].includes(status))).toEqual([]);
      expect(recovered).toBe(true);
      expect(durableApp.child.exitCode).toBeNull();
      // The revocation written before the kill is on the promoted replica (AOF + WAIT), and writes work again.
      const jtiKey = new RedisKeys(durablePrefix).revokedToken(userId, claimsOf(revoked.access_token).jti);
      expect(await readJtiKeyOn(newMaster.port, jtiKey)).toBe('1');
      expect([await me(valid), await me(revoked)]).toEqual(['200', '401']);
      expect(await me(await durableLogin(email))).toBe('200');
    }, 40_000);
  });

  describe('REDIS_WAIT_REPLICAS=1 when the owning master has no replica left', () => {
    // WAIT blocks the connection it runs on: revocations use a connection of their own, so other users' checks on
    // that master do not queue behind it.
    it('answers the logout 503 (fail closed), while GET /me of another user on that master stays 200', async () => {
      // Four users over three masters: two of them share a master (pigeonhole).
      const users = await Promise.all([1, 2, 3, 4].map(() => durableUser()));
      const slotKey = (userId: string) => new RedisKeys(durablePrefix).sessions(userId);
      const owners = await Promise.all(
        users.map(async (user) => (await running().ownerOf(slotKey(user.userId))).master.port),
      );
      const byMaster = new Map<number, typeof users>();
      users.forEach((user, index) => byMaster.set(owners[index], [...(byMaster.get(owners[index]) ?? []), user]));
      const [a, b] = [...byMaster.values()].find((group) => group.length >= 2) ?? [];
      if (!a || !b) throw new Error('unreachable: four users over three masters always share one');
      const owner = await running().ownerOf(slotKey(a.userId));
      for (const replica of owner.replicas) await running().kill(replica);
      const leaving = await durableLogin(a.email);
      const bystander = await durableLogin(b.email);
      expect(await me(bystander)).toBe('200');

      let loggedOut = false;
      const logout = durable('POST', '/logout', { headers: bearer(leaving.access_token) }).finally(
        () => (loggedOut = true),
      );
      // GET /me of the other user, one after the other, until the logout answered and the next one is a 200 again.
      const bystanderStatuses: Record<string, number> = {};
      let last = '';
      const deadline = Date.now() + 10_000;
      const timeline: string[] = [];
      const logoutSentAt = Date.now();
      while ((!loggedOut || last !== '200') && Date.now() < deadline) {
        const sentAt = Date.now();
        last = await me(bystander);
        bystanderStatuses[last] = (bystanderStatuses[last] ?? 0) + 1;
        timeline.push(`+${sentAt - logoutSentAt}ms ${last} in ${Date.now() - sentAt}ms`);
        await sleep(20);
      }
      const logoutStatus = (await logout).status;
      console.log(
        `logout with no replica: ${logoutStatus}; GET /me of another user on that master meanwhile: ${JSON.stringify(bystanderStatuses)} (${timeline.join(', ')})`,
      );

      expect(logoutStatus).toBe(503);
      expect(bystanderStatuses).toEqual({ '200': expect.any(Number) });
    });
  });
});
