import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';
import { RevocationStore } from './revocation-store.js';

@Module({
  providers: [
    storeAdapterProvider<RevocationStore, [ConfigService<AllConfig, true>]>(
      RevocationStore,
      {
        redis: (redis, keys, config) =>
          new RedisRevocationStore(redis, keys, {
            replicas: config.get('redis.waitReplicas', { infer: true }),
            timeoutMs: config.get('redis.waitTimeoutMs', { infer: true }),
          }),
        memory: () => new InMemoryRevocationStore(),
      },
      [ConfigService],
    ),
  ],
  exports: [RevocationStore],
})
export class RevocationModule {}
