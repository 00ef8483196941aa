import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getRedisConnectionToken } from '@nestjs-modules/ioredis';
import { ThrottlerModule } from '@nestjs/throttler';
import type { RedisClient } from '../redis/redis-client.js';
import type { AllConfig } from '../config/config.types.js';
import { AuthThrottlerGuard } from './auth-throttler.guard.js';
import { PrefixedThrottlerStorage } from './prefixed-throttler.storage.js';
import { accountTracker } from './trackers.js';

/**
 * Rate limits for the routes that take credentials: per client address and per account, counted in Redis (shared
 * by every instance) or in memory without Redis. Routes opt in with `@UseGuards(AuthThrottlerGuard)`.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, { token: getRedisConnectionToken(), optional: true }],
      useFactory: (config: ConfigService<AllConfig, true>, redis?: RedisClient) => {
        const { windowMs, ipLimit, accountLimit } = config.get('throttle', { infer: true });
        return {
          throttlers: [
            { name: 'ip', ttl: windowMs, limit: ipLimit },
            { name: 'account', ttl: windowMs, limit: accountLimit, getTracker: accountTracker },
          ],
          errorMessage: 'Too many attempts; retry later',
          storage: redis
            ? new PrefixedThrottlerStorage(redis, `${config.get('redis.keyPrefix', { infer: true })}throttle:`)
            : undefined,
        };
      },
    }),
  ],
  providers: [AuthThrottlerGuard],
  exports: [AuthThrottlerGuard, ThrottlerModule],
})
export class ThrottlingModule {}
