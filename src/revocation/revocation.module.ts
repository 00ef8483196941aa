import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import type { AllConfig } from '../config/config.types.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { observedRevocationStoreProvider, RevocationStoreAdapter } from './observed-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';
import { RevocationMirror } from './revocation-mirror.js';
import { RevocationStore } from './revocation-store.js';

@Module({
  providers: [
    storeAdapterProvider<RevocationStore, [ConfigService<AllConfig, true>]>(
      RevocationStoreAdapter,
      {
        redis: (redis, keys, config) => {
          const settings = config.get('redis', { infer: true });
          // Tracking is per connection; a Cluster would need one subscriber per node, so it always asks the store.
          const mirror =
            settings.mirror.enabled && !redis.isCluster
              ? new RevocationMirror(redis as Redis, { keyPrefix: settings.keyPrefix, ...settings.mirror })
              : undefined;
          const acknowledgement = { replicas: settings.waitReplicas, timeoutMs: settings.waitTimeoutMs };
          return new RedisRevocationStore(redis, keys, acknowledgement, mirror);
        },
        memory: () => new InMemoryRevocationStore(),
      },
      [ConfigService],
    ),
    observedRevocationStoreProvider,
  ],
  exports: [RevocationStore],
})
export class RevocationModule {}
