// Redis memory per revoked token, written through the app's own code path: the built RedisSessionStore, its store
// epoch and RedisKeys (from dist/), so the keys, values and expiries are exactly what POST /logout leaves behind.
//
// `node bench/memory.mjs [--dist <built app>] [--count <logouts>]` runs only this measure, on a private
// redis-server, and prints the figures as JSON (`npm run bench` runs it after the load rounds).
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis, stopChild, usedMemory } from './lib.mjs';

const TOKEN_LIFETIME_MS = 15 * 60 * 1000; // the app's default JWT_ACCESS_TTL
const BATCH = 1000; // logouts in flight at once

/**
 * @typedef {{
 *   end(userId: string, sessionId: string, token: { jti: string, expiresAtMs: number }): Promise<boolean>,
 * }} SessionStore
 * @typedef {{ onApplicationBootstrap(): Promise<void>, onApplicationShutdown(): void }} StoreEpoch
 * @typedef {{
 *   revokedToken(userId: string, jti: string): string,
 *   revokedSession(userId: string, sessionId: string): string,
 *   epochRecord(tag: number): string,
 * }} RedisKeys
 */

/**
 * FLUSHALL, then `count` logouts (a fresh random user, jti and session each, expiring 15 min ahead), then the
 * used_memory delta. Each logout writes two entries: the token's jti and its session's id.
 * @param {{ distDir: string, redisUrl: string, count: number }} options
 */
export async function measureRevocationMemory({ distDir, redisUrl, count }) {
  const app = await importAppModules(distDir);
  // The app's client options that matter here: auto-pipelining batches the scripts of concurrent logouts.
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const keys = new app.RedisKeys(app.keyPrefix);
  try {
    await redis.flushall('SYNC');
    const epoch = new app.RedisStoreEpoch(redis, keys, new app.NoEpochLedger(), { storeLost: () => undefined }, 1000);
    await epoch.onApplicationBootstrap();
    const writer = new app.ReplicatedWriter(redis, { replicas: 0, timeoutMs: 0 });
    const terms = {
      refreshTtlMs: TOKEN_LIFETIME_MS,
      maxAgeMs: TOKEN_LIFETIME_MS,
      reuseGraceMs: 0,
      tokenLifetimeMs: TOKEN_LIFETIME_MS,
      maxSessions: 50,
    };
    const sessions = new app.RedisSessionStore(redis, keys, terms, epoch, writer, { settle: () => Promise.resolve() });
    const epochKeys = await redis.dbsize();
    const before = await usedMemory(redis);
    /** @type {{ userId: string, jti: string, sessionId: string } | undefined} */
    let sample;
    try {
      for (let done = 0; done < count; done += BATCH) {
        const expiresAtMs = Date.now() + TOKEN_LIFETIME_MS;
        const logouts = Array.from({ length: Math.min(BATCH, count - done) }, () => {
          const token = { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID() };
          sample ??= token;
          return sessions.end(token.userId, token.sessionId, { jti: token.jti, expiresAtMs });
        });
        await Promise.all(logouts);
      }
    } finally {
      epoch.onApplicationShutdown();
    }
    await settle(redis);
    const after = await usedMemory(redis);
    const entries = (await redis.dbsize()) - epochKeys;
    if (entries !== 2 * count)
      throw new Error(`expected ${2 * count} entries after ${count} logouts, found ${entries}`);
    if (!sample) throw new Error('no logout was written');
    return {
      logouts: count,
      entries,
      usedMemoryBefore: before,
      usedMemoryAfter: after,
      bytesPerLogout: (after - before) / count,
      bytesPerEntry: (after - before) / entries,
      jtiKey: await describeKey(redis, keys.revokedToken(sample.userId, sample.jti)),
      sidKey: await describeKey(redis, keys.revokedSession(sample.userId, sample.sessionId)),
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * Lets Redis finish the incremental rehash of its key and expiry tables before used_memory is read. It rehashes
 * 1 ms per cron tick (`hz`, 10 a second by default): a table that just doubled past 131 072 keys takes seconds,
 * during which both bucket arrays count. A faster cron, for this second only, settles any table the bench makes.
 * @param {Redis} redis
 */
async function settle(redis) {
  const [, hz] = /** @type {[string, string]} */ (await redis.config('GET', 'hz'));
  await redis.config('SET', 'hz', '500');
  try {
    await sleep(1000);
  } finally {
    await redis.config('SET', 'hz', hz);
  }
}

/**
 * @param {Redis} redis
 * @param {string} key
 */
async function describeKey(redis, key) {
  return { example: key, length: key.length, memoryUsage: await redis.memory('USAGE', key, 'SAMPLES', 0) };
}

/**
 * @typedef {{
 *   RedisSessionStore: new (...args: unknown[]) => SessionStore,
 *   RedisStoreEpoch: new (...args: unknown[]) => StoreEpoch,
 *   NoEpochLedger: new () => object,
 *   ReplicatedWriter: new (...args: unknown[]) => object,
 *   RedisKeys: new (prefix: string) => RedisKeys,
 *   keyPrefix: string,
 * }} AppModules
 */

/**
 * The built session store, its collaborators and the default key prefix (dist/ has no type declarations, hence the
 * casts).
 * @param {string} distDir
 * @returns {Promise<AppModules>}
 */
async function importAppModules(distDir) {
  /**
   * @param {string} file
   * @returns {Promise<Record<string, unknown>>}
   */
  const load = (file) => import(pathToFileURL(join(distDir, file)).href);
  const modules = {
    ...(await load('sessions/redis-session.store.js')),
    ...(await load('epoch/redis-store-epoch.js')),
    ...(await load('epoch/epoch-ledger.js')),
    ...(await load('redis/replication.js')),
    ...(await load('redis/redis-keys.js')),
  };
  const { EnvironmentVariables } = /** @type {{ EnvironmentVariables: new () => { REDIS_KEY_PREFIX: string } }} */ (
    await load('config/env.validation.js')
  );
  const keyPrefix = new EnvironmentVariables().REDIS_KEY_PREFIX;
  return /** @type {AppModules} */ ({ ...modules, keyPrefix });
}

/** Only this measure, on a redis-server of its own, stopped by its pid afterwards. */
async function main() {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
      count: { type: 'string', default: '100000' },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count <= 0) throw new Error('--count takes a positive whole number of logouts');
  const server = await startRedis(join(tmpdir(), `revocable-jwt-api-memory-${process.pid}.log`));
  try {
    const memory = await measureRevocationMemory({ distDir: values.dist, redisUrl: server.url, count });
    console.log(JSON.stringify({ redis: server.version, ...memory }, null, 2));
  } finally {
    await stopChild(server.child);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
