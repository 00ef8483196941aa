import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getRedisConnectionToken } from '@nestjs-modules/ioredis';
import { ThrottlerModule } from '@nestjs/throttler';
import type { RedisClient } from '../redis/redis-client.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import type { AllConfig } from '../config/config.types.js';
import { AuthThrottlerGuard } from './auth-throttler.guard.js';
import { FAILED_ATTEMPTS, type FailedAttempts } from './failed-attempts.js';
import { FailedAttemptsInterceptor } from './failed-attempts.interceptor.js';
import { InMemoryFailedAttempts } from './in-memory-failed-attempts.js';
import { PrefixedThrottlerStorage } from './prefixed-throttler.storage.js';
import { RedisFailedAttempts } from './redis-failed-attempts.js';

const throttlePrefix = (config: ConfigService<AllConfig, true>) =>
  `${config.get('redis.keyPrefix', { infer: true })}throttle:`;

/**
 * Rate limits for the routes that take credentials: every request per client address (the throttler), and failed
 * passwords per account (FailedAttempts), counted in Redis (shared by every instance) or in memory without Redis.
 * Routes opt in with `@UseGuards(AuthThrottlerGuard)` or `@LimitFailedAttempts(...)`, which adds both.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, { token: getRedisConnectionToken(), optional: true }],
      useFactory: (config: ConfigService<AllConfig, true>, redis?: RedisClient) => {
        const { windowMs, ipLimit } = config.get('throttle', { infer: true });
        return {
          throttlers: [{ name: 'ip', ttl: windowMs, limit: ipLimit }],
          errorMessage: 'Too many attempts; retry later',
          storage: redis ? new PrefixedThrottlerStorage(redis, throttlePrefix(config)) : undefined,
        };
      },
    }),
  ],
  providers: [
    AuthThrottlerGuard,
    FailedAttemptsInterceptor,
    storeAdapterProvider<FailedAttempts, [ConfigService<AllConfig, true>]>(
      FAILED_ATTEMPTS,
      {
        redis: (redis, _keys, config) =>
          new RedisFailedAttempts(redis, throttlePrefix(config), config.get('throttle.failures', { infer: true })),
        memory: (config) => new InMemoryFailedAttempts(config.get('throttle.failures', { infer: true })),
      },
      [ConfigService],
    ),
  ],
  exports: [AuthThrottlerGuard, FailedAttemptsInterceptor, FAILED_ATTEMPTS, ThrottlerModule],
})
export class ThrottlingModule {}
