import type { FactoryProvider, InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import { getRedisConnectionToken } from '@nestjs-modules/ioredis';
import type { RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';

/**
 * A port bound to its Redis adapter when a Redis connection exists, or to its in-memory adapter otherwise.
 * Both adapters pass the same contract suite, so callers never know which one they hold. `dependencies` are
 * further providers the adapters need, handed to either factory after its own arguments.
 */
export function storeAdapterProvider<T, D extends unknown[] = []>(
  token: symbol,
  adapters: {
    redis: (redis: RedisClient, keys: RedisKeys, ...dependencies: D) => T;
    memory: (...dependencies: D) => T;
  },
  dependencies: (InjectionToken | OptionalFactoryDependency)[] = [],
): FactoryProvider<T> {
  return {
    provide: token,
    inject: [{ token: getRedisConnectionToken(), optional: true }, RedisKeys, ...dependencies],
    useFactory: (redis: RedisClient | undefined, keys: RedisKeys, ...resolved: unknown[]) =>
      redis ? adapters.redis(redis, keys, ...(resolved as D)) : adapters.memory(...(resolved as D)),
  };
}

/**
 * `value` as the adapter class a module's wiring binds it to in this mode (a Redis adapter is handed the Redis
 * adapters of the ports it works with); a mismatch is a wiring bug, caught at start.
 */
export function adapterAs<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  if (value instanceof type) return value;
  throw new Error(`Expected a ${type.name}, got ${(value as object | undefined)?.constructor?.name ?? String(value)}`);
}
