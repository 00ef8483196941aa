import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getRedisConnectionToken, RedisModule } from '@nestjs-modules/ioredis';
import type { AllConfig } from '../config/config.types.js';
import type { RedisConfig } from '../config/redis.config.js';
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
export class RedisConnectionModule {
  /** With a Redis topology configured, its connection; without one (the in-memory store), none. */
  static forRoot(redis: Pick<RedisConfig, 'topology'>): DynamicModule {
    if (!redis.topology) return { module: RedisConnectionModule };
    return {
      module: RedisConnectionModule,
      imports: [
        RedisModule.forRootAsync({
          imports: [],
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>) =>
            redisClientOptions(config.get('redis', { infer: true })),
        }),
      ],
    };
  }
}
