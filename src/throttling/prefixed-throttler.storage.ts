import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { RedisClient } from '../redis/redis-client.js';
import { storeCall } from '../common/errors/store-unavailable.error.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The library's Redis storage (its Lua script and semantics), with two changes: every counter key starts with the
 * app's key prefix (the library would put its hash tag first, outside any `auth:*` ACL pattern or SCAN), and a
 * Redis failure becomes the same 503 as every other store call instead of an unhandled 500.
 */
export class PrefixedThrottlerStorage extends ThrottlerStorageRedisService {
  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    // The library's constructor overloads take a Redis or a Cluster; it treats both alike.
    super(redis as Redis);
  }

  override increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    // Both keys of one counter share a hash tag, so the script runs in one slot on a cluster too.
    const counter = `${this.prefix}{${key}:${throttlerName}}`;
    return storeCall(async () => {
      const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = (await this.redis.call(
        'eval',
        this.scriptSrc,
        2,
        `${counter}:hits`,
        `${counter}:blocked`,
        throttlerName,
        ttl,
        limit,
        blockDuration,
      )) as [number, number, number, number];
      return {
        totalHits,
        timeToExpire: Math.ceil(timeToExpire / 1000),
        isBlocked: isBlocked === 1,
        timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
      };
    });
  }
}
