// Redis memory per revoked token, written through the app's own code path: the built RedisRevocationStore and
// RedisKeys (from dist/), so the keys, values and expiries are exactly what POST /logout leaves behind.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { usedMemory } from './lib.mjs';

const TOKEN_LIFETIME_MS = 15 * 60 * 1000; // the app's default JWT_ACCESS_TTL
const BATCH = 1000; // logouts in flight at once

/**
 * @typedef {{ userId: string, jti: string, sessionId: string, issuedAtMs: number }} TokenIdentity
 * @typedef {{ revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number): Promise<void> }} RevocationStore
 * @typedef {{ revokedToken(userId: string, jti: string): string, revokedSession(userId: string, sessionId: string): string }} RedisKeys
 */

/**
 * FLUSHALL, then `count` logouts (fresh random user, jti and session each, expiring 15 min ahead), then the
 * used_memory delta. Each logout writes two entries: the token's jti and its session.
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
    await sleep(1000); // let Redis finish the incremental rehash of its key and expiry tables
    const after = await usedMemory(redis);
    const entries = await redis.dbsize();
    if (entries !== 2 * count)
      throw new Error(`expected ${2 * count} entries after ${count} logouts, found ${entries}`);
    if (!sample) throw new Error('no logout was written');
    const jtiKey = keys.revokedToken(sample.userId, sample.jti);
    const sidKey = keys.revokedSession(sample.userId, sample.sessionId);
    return {
      logouts: count,
      entries,
      usedMemoryBefore: before,
      usedMemoryAfter: after,
      bytesPerLogout: (after - before) / count,
      bytesPerEntry: (after - before) / entries,
      jtiKey: {
        example: jtiKey,
        length: jtiKey.length,
        memoryUsage: await redis.memory('USAGE', jtiKey, 'SAMPLES', 0),
      },
      sidKey: {
        example: sidKey,
        length: sidKey.length,
        memoryUsage: await redis.memory('USAGE', sidKey, 'SAMPLES', 0),
      },
    };
  } finally {
    redis.disconnect();
  }
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
