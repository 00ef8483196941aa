import { Global, Module } from '@nestjs/common';
import { ConditionalModule, ConfigService } from '@nestjs/config';
import { getRedisConnectionToken, RedisModule } from '@nestjs-modules/ioredis';
import type { AllConfig } from '../config/config.types.js';
import { isRedisConfigured } from '../config/redis.config.js';
import { redisClientOptions } from './redis-client.options.js';
import { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-client.js';
import { RedisLifecycle } from './redis-lifecycle.service.js';
import { revocationReadConnection, RevocationReads } from './revocation-reads.js';

/**
 * The Redis connections when a Redis is configured (none otherwise): the shared one, and the guard's read-only one
 * (`RevocationReads`); and the key layout every Redis adapter shares.
 */
@Global()
@Module({
  imports: [
    ConditionalModule.registerWhen(
      RedisModule.forRootAsync({
        imports: [],
        inject: [ConfigService],
        useFactory: (config: ConfigService<AllConfig, true>) =>
          redisClientOptions(config.get('redis', { infer: true })),
      }),
      isRedisConfigured,
      // Its debug line would be printed before the app's logger exists, outside the log format; the in-memory
      // store's start-up warning says the same.
      { debug: false },
    ),
  ],
  providers: [
    RedisLifecycle,
    {
      provide: RevocationReads,
      inject: [{ token: getRedisConnectionToken(), optional: true }],
      useFactory: (shared?: RedisClient) => (shared ? revocationReadConnection(shared) : undefined),
    },
    {
      provide: RedisKeys,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        new RedisKeys(config.get('redis.keyPrefix', { infer: true })),
    },
  ],
  exports: [RedisKeys, RevocationReads],
})
export class RedisConnectionModule {}
