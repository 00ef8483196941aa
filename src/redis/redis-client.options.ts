import type { RedisModuleOptions } from '@nestjs-modules/ioredis';
import type { RedisConfig } from '../config/redis.config.js';

const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Fail fast, never queue: with the offline queue off and a bounded command timeout, a Redis outage turns into
 * a 503 within about a second instead of requests piling up. Auto-pipelining batches the guard's MGETs.
 */
export function redisClientOptions(config: RedisConfig): RedisModuleOptions {
  return {
    type: 'single',
    url: config.url,
    options: {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: config.commandTimeoutMs,
      connectTimeout: Math.max(1000, config.commandTimeoutMs * 2),
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
    },
  };
}
