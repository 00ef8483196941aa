import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { NoEpochLedger, type EpochLedger } from '../../src/epoch/epoch-ledger.js';
import { RedisStoreEpoch } from '../../src/epoch/redis-store-epoch.js';
import type { StoreLossCause } from '../../src/epoch/store-epoch.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { ReplicatedWriter } from '../../src/redis/replication.js';
import { RedisRevocationStore } from '../../src/revocation/redis-revocation.store.js';
import { RevocationMirror } from '../../src/revocation/revocation-mirror.js';
import { RedisSessionStore } from '../../src/sessions/redis-session.store.js';
import type { SessionStoreFixture } from '../../src/sessions/testing/session-store.contract.js';
import type { SessionTerms } from '../../src/sessions/session-store.js';
import { testRedisUrl } from './test-app.js';

/** A connection to the test Redis and a key layout under a prefix of its own, for adapter contract suites. */
export function redisForContract(): { redis: Redis; keys: RedisKeys; close: () => Promise<void> } {
  const redis = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  const keys = new RedisKeys(`c${randomUUID().slice(0, 8)}:`);
  return { redis, keys, close: async () => void (await redis.quit()) };
}

/**
 * The Redis stores as the app wires them, on a connection and prefix of their own: a confirmed store epoch (the
 * losses it detects are listed in `losses`), the revocation store (with a mirror, if `mirror` settings are given)
 * and, per set of terms, a session store writing to it.
 */
export async function redisStores({
  mirror,
  on,
  ledger = new NoEpochLedger(),
}: {
  mirror?: { maxStalenessMs: number; maxEntries: number };
  /** The durable high-water mark (none by default); instances of one deployment share theirs. */
  ledger?: EpochLedger;
  /** A connection and key layout of the caller's (a Cluster client, say), left open by `close`. */
  on?: { redis: RedisClient; keys: RedisKeys };
} = {}) {
  const connection = on ? { ...on, close: () => Promise.resolve() } : redisForContract();
  const losses: StoreLossCause[] = [];
  const epoch = new RedisStoreEpoch(
    connection.redis,
    connection.keys,
    ledger,
    { storeLost: (cause) => losses.push(cause) },
    500,
  );
  await epoch.onApplicationBootstrap();
  const keyPrefix = connection.keys.epochRecord(0).replace(/epoch\{0\}$/, '');
  const revocationMirror =
    mirror && new RevocationMirror(connection.redis as Redis, { keyPrefix, ...mirror, onFlush: () => epoch.suspect() });
  const revocations = new RedisRevocationStore(connection.redis, connection.keys, epoch, revocationMirror);
  await revocations.onApplicationBootstrap();
  const writer = new ReplicatedWriter(connection.redis, { replicas: 0, timeoutMs: 0 });
  const sessionStore = (terms: SessionTerms) =>
    new RedisSessionStore(connection.redis, connection.keys, terms, epoch, writer, revocations);
  return {
    ...connection,
    keyPrefix,
    epoch,
    mirror: revocationMirror,
    losses,
    revocations,
    sessionStore,
    /** A contract fixture on these stores. */
    fixture: async (terms: SessionTerms): Promise<SessionStoreFixture> => ({
      sessions: sessionStore(terms),
      revocations,
      epoch: await epoch.current(),
    }),
    close: async () => {
      await revocations.onApplicationShutdown();
      epoch.onApplicationShutdown();
      await connection.close();
    },
  };
}
