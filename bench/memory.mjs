// Redis memory per revoked token, written through the app's own code path: the built RedisRevocationStore and
// RedisKeys (from dist/), so the keys, values and expiries are exactly what POST /logout leaves behind.
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
 * @typedef {{ userId: string, jti: string, sessionId: string, issuedAtMs: number }} TokenIdentity
 * @typedef {{
 *   revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number): Promise<void>,
 *   revokeUserTokensIssuedBefore(userId: string, notBeforeMs: number, keepUntilMs: number): Promise<void>,
 * }} RevocationStore
 * @typedef {{
 *   revokedToken(userId: string, jti: string): string,
 *   revokedSession(userId: string, sessionId: string): string,
 *   notBefore(userId: string): string,
 * }} RedisKeys
 */

/**
 * FLUSHALL, then `count` logouts (fresh random user, jti and session each, expiring 15 min ahead), then the
 * used_memory delta. Each logout writes two entries: the token's jti and its session. Then, on an empty store
 * again, the not-before marks of `count` users (logout-all), which hold a timestamp and so cost a value object too.
 * @param {{ distDir: string, redisUrl: string, count: number }} options
 */
export async function measureRevocationMemory({ distDir, redisUrl, count }) {
  const { RedisRevocationStore, RedisKeys, keyPrefix } = await importAppModules(distDir);
  // The app's client options that matter here: auto-pipelining batches the MULTI/EXECs of concurrent logouts.
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const keys = new RedisKeys(keyPrefix);
  const store = new RedisRevocationStore(redis, keys);
  try {
    await redis.flushall('SYNC');
    const before = await usedMemory(redis);
    /** @type {TokenIdentity | undefined} */
    let sample;
    for (let done = 0; done < count; done += BATCH) {
      const now = Date.now();
      const logouts = Array.from({ length: Math.min(BATCH, count - done) }, () => {
        const token = { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID(), issuedAtMs: now };
        sample ??= token;
        return store.revokeTokenAndSession(token, now + TOKEN_LIFETIME_MS, now + TOKEN_LIFETIME_MS);
      });
      await Promise.all(logouts);
    }
    await settle(redis);
    const after = await usedMemory(redis);
    const entries = await redis.dbsize();
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
      notBefore: await measureNotBeforeMarks(redis, store, keys, count),
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * used_memory per not-before mark: one per user, written by logout-all and the password change.
 * @param {Redis} redis
 * @param {RevocationStore} store
 * @param {RedisKeys} keys
 * @param {number} count
 */
async function measureNotBeforeMarks(redis, store, keys, count) {
  await redis.flushall('SYNC');
  const before = await usedMemory(redis);
  /** @type {string | undefined} */
  let sampleUserId;
  for (let done = 0; done < count; done += BATCH) {
    const now = Date.now();
    const marks = Array.from({ length: Math.min(BATCH, count - done) }, () => {
      const userId = randomUUID();
      sampleUserId ??= userId;
      return store.revokeUserTokensIssuedBefore(userId, now, now + TOKEN_LIFETIME_MS);
    });
    await Promise.all(marks);
  }
  await settle(redis);
  const after = await usedMemory(redis);
  const entries = await redis.dbsize();
  if (entries !== count) throw new Error(`expected ${count} not-before marks, found ${entries}`);
  if (!sampleUserId) throw new Error('no not-before mark was written');
  return {
    entries,
    bytesPerEntry: (after - before) / entries,
    key: await describeKey(redis, keys.notBefore(sampleUserId)),
  };
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
 * The built store, key layout and default key prefix (dist/ has no type declarations, hence the casts).
 * @param {string} distDir
 */
async function importAppModules(distDir) {
  /** @type {(file: string) => Promise<unknown>} */
  const load = (file) => import(pathToFileURL(join(distDir, file)).href);
  const { RedisRevocationStore } =
    /** @type {{ RedisRevocationStore: new (redis: Redis, keys: RedisKeys) => RevocationStore }} */ (
      await load('revocation/redis-revocation.store.js')
    );
  const { RedisKeys } = /** @type {{ RedisKeys: new (prefix: string) => RedisKeys }} */ (
    await load('redis/redis-keys.js')
  );
  const { EnvironmentVariables } = /** @type {{ EnvironmentVariables: new () => { REDIS_KEY_PREFIX: string } }} */ (
    await load('config/env.validation.js')
  );
  return { RedisRevocationStore, RedisKeys, keyPrefix: new EnvironmentVariables().REDIS_KEY_PREFIX };
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
