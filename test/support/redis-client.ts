import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { testRedisUrl } from './test-app.js';

/** A connection to the test Redis and a key layout under a prefix of its own, for adapter contract suites. */
export function redisForContract(): { redis: Redis; keys: RedisKeys; close: () => Promise<void> } {
  const redis = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  const keys = new RedisKeys(`c${randomUUID().slice(0, 8)}:`);
  return { redis, keys, close: async () => void (await redis.quit()) };
}
