import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { getRedisConnectionToken } from '@nestjs-modules/ioredis';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/**
 * A port bound to its Redis adapter when a Redis connection exists, or to its in-memory adapter otherwise.
 * Both adapters pass the same contract suite, so callers never know which one they hold. `dependencies` are
 * further providers the in-memory adapter needs.
 */
export function storeAdapterProvider<T, D extends unknown[] = []>(
  token: symbol,
  adapters: { redis: (redis: Redis, keys: RedisKeys) => T; memory: (...dependencies: D) => T },
  dependencies: InjectionToken[] = [],
): FactoryProvider<T> {
  return {
    provide: token,
    inject: [{ token: getRedisConnectionToken(), optional: true }, RedisKeys, ...dependencies],
    useFactory: (redis: Redis | undefined, keys: RedisKeys, ...resolved: unknown[]) =>
      redis ? adapters.redis(redis, keys) : adapters.memory(...(resolved as D)),
  };
}
