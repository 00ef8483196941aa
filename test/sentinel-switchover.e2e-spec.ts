import type { Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { bearer, getMe } from './support/auth-client.js';
import {
  FAILOVER_TEST_TIMEOUT_MS,
  RedisSentinelSet,
  withConnection,
  holds,
  sentinelEnv,
} from './support/redis-sentinel.js';
import { claimsOf, loginWithAgent, newAccount, type TokenPair } from './support/session-client.js';
import { createTestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';
import { eventually } from './support/poll.js';
import { redisBinary } from './support/redis-server.js';

/**
 * A planned switchover (`SENTINEL FAILOVER <name>`): unlike a crash, the old master keeps running, still a master,
 * until Sentinel converts it into a replica of the new master (about ten seconds later; its data is then replaced
 * by a full resync). A client that stays connected to it meanwhile writes to a node whose writes will be thrown away,
 * and reads a node that misses what the new master got.
 *
 * No assertion is about time: every request carries a client timeout, and every wait is a bounded poll.
 */

const MASTER_NAME = 'jwt-switchover';
const REQUEST_TIMEOUT_MS = 3000;
/** Sentinel converts the old master only ~8-10 s after the switch, then it resyncs. */
const REJOIN_BOUND_MS = 30_000;

function postLogout(http: TestAgent, accessToken: string): Test {
  return http.post('/logout').set(bearer(accessToken)).timeout(REQUEST_TIMEOUT_MS);
}

function revokedTokenKey(prefix: string, pair: TokenPair): string {
  const claims = claimsOf(pair.access_token);
  return new RedisKeys(prefix).revokedToken(claims.sub, claims.jti);
}

describe('Sentinel switchover (SENTINEL FAILOVER) while the old master keeps running', () => {
  let set: RedisSentinelSet;

  beforeAll(async () => {
    set = await RedisSentinelSet.start(redisBinary(), { name: MASTER_NAME });
  }, 30_000);

  afterAll(async () => {
    await set?.stop();
  });

  describe('an app with REDIS_WAIT_REPLICAS=0 (the default)', () => {
    const api = useApp(createTestApp, () => sentinelEnv(set));

    it(
      'follows the switch at once (failoverDetector): a logout after it lands on the new master and survives the ' +
        'old master rejoining, and a revocation written on the new master is seen',
      async () => {
        const { http } = api();
        const { email } = await newAccount(http);
        const valid = await loginWithAgent(http, email, 'valid');
        const loggedOut = await loginWithAgent(http, email, 'logged-out-after-the-switch');
        const revokedElsewhere = await loginWithAgent(http, email, 'revoked-on-the-new-master');
        const oldMaster = set.master;

        await set.switchover();
        expect(await eventually(async () => (await getMe(http, valid.access_token)).status === 200)).toBe(true);

        const logout = (await postLogout(http, loggedOut.access_token)).status;
        const loggedOutKey = revokedTokenKey(api().keyPrefix, loggedOut);
        const landedOn = {
          newMaster: await holds(set.master.port, loggedOutKey),
          oldMaster: await holds(oldMaster.port, loggedOutKey),
        };
        // Another instance, already on the new master, logs this token out: the very write it would make.
        await withConnection(set.master.port, (client) =>
          client.set(revokedTokenKey(api().keyPrefix, revokedElsewhere), '1', 'PX', 600_000),
        );
        const revokedElsewhereStatus = (await getMe(http, revokedElsewhere.access_token)).status;
        // The precondition of the scenario: the old master was still a master when the requests above ran.
        const oldMasterRoleMeanwhile = await set.roleOf(oldMaster);

        // Sentinel converts the old master into a replica of the new one (full resync); the app follows.
        await set.waitForReplicaLink(oldMaster, set.master, REJOIN_BOUND_MS);
        expect(await eventually(async () => (await getMe(http, valid.access_token)).status === 200)).toBe(true);
        const loggedOutAfterRejoin = (await getMe(http, loggedOut.access_token)).status;
        const revokedElsewhereAfterRejoin = (await getMe(http, revokedElsewhere.access_token)).status;

        const observed = {
          oldMasterRoleMeanwhile,
          logout,
          landedOn,
          revokedElsewhereStatus,
          loggedOutAfterRejoin,
          revokedElsewhereAfterRejoin,
        };
        process.stdout.write(`sentinel switchover, REDIS_WAIT_REPLICAS=0: ${JSON.stringify(observed)}\n`);
        expect(observed).toEqual({
          oldMasterRoleMeanwhile: 'master',
          logout: 204,
          landedOn: { newMaster: true, oldMaster: false },
          revokedElsewhereStatus: 401,
          loggedOutAfterRejoin: 401,
          revokedElsewhereAfterRejoin: 401,
        });
      },
      60_000,
    );
  });

  describe('an app with REDIS_WAIT_REPLICAS=1', () => {
    // The previous switch is over: the old master replicates the new one and every Sentinel lists it.
    beforeAll(() => set.waitUntilSettled(), FAILOVER_TEST_TIMEOUT_MS);
    const api = useApp(createTestApp, () => sentinelEnv(set, { REDIS_WAIT_REPLICAS: '1' }));

    it(
      'never acknowledges (204) a logout right after the switch that is then lost when the old master rejoins',
      async () => {
        const { http } = api();
        const { email } = await newAccount(http);
        const valid = await loginWithAgent(http, email, 'valid');
        const pair = await loginWithAgent(http, email, 'logged-out-after-the-switch');
        const oldMaster = set.master;

        await set.switchover();
        expect(await eventually(async () => (await getMe(http, valid.access_token)).status === 200)).toBe(true);
        const logout = (await postLogout(http, pair.access_token)).status;

        await set.waitForReplicaLink(oldMaster, set.master, REJOIN_BOUND_MS);
        expect(await eventually(async () => (await getMe(http, valid.access_token)).status === 200)).toBe(true);
        const afterRejoin = (await getMe(http, pair.access_token)).status;
        process.stdout.write(`sentinel switchover, REDIS_WAIT_REPLICAS=1: logout ${logout}, then /me ${afterRejoin}\n`);

        // 503 tells the client the logout is not guaranteed (it retries); a 204 must hold.
        expect([204, 503]).toContain(logout);
        const acknowledgedButLost = logout === 204 && afterRejoin !== 401;
        expect(acknowledgedButLost).toBe(false);
      },
      FAILOVER_TEST_TIMEOUT_MS,
    );
  });
});
