import type { FactoryProvider } from '@nestjs/common';
import { getRedisConnectionToken } from '@nestjs-modules/ioredis';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/**
 * A port bound to its Redis adapter when a Redis connection exists, or to its in-memory adapter otherwise.
 * Both adapters pass the same contract suite, so callers never know which one they hold.
 */
export function storeAdapterProvider<T>(
  token: symbol,
  adapters: { redis: (redis: Redis, keys: RedisKeys) => T; memory: () => T },
): FactoryProvider<T> {
  return {
    provide: token,
    inject: [{ token: getRedisConnectionToken(), optional: true }, RedisKeys],
    useFactory: (redis: Redis | undefined, keys: RedisKeys) =>
      redis ? adapters.redis(redis, keys) : adapters.memory(),
  };
}
