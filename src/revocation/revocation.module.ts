import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import type { AllConfig } from '../config/config.types.js';
import { EpochModule } from '../epoch/epoch.module.js';
import { StoreEpoch } from '../epoch/store-epoch.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { observedRevocationStoreProvider, RevocationStoreAdapter } from './observed-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';
import { RevocationMirror } from './revocation-mirror.js';
import { RevocationStore } from './revocation-store.js';

@Module({
  imports: [EpochModule],
  providers: [
    storeAdapterProvider<RevocationStore, [ConfigService<AllConfig, true>, StoreEpoch]>(
      RevocationStoreAdapter,
      {
        redis: (redis, keys, config, epoch) => {
          const settings = config.get('redis', { infer: true });
          // Tracking is per connection; a Cluster would need one subscriber per node, so it always asks the store.
          const mirror =
            settings.mirror.enabled && !redis.isCluster
              ? new RevocationMirror(redis as Redis, {
                  keyPrefix: settings.keyPrefix,
                  ...settings.mirror,
                  onFlush: () => epoch.suspect(),
                })
              : undefined;
          return new RedisRevocationStore(redis, keys, epoch, mirror);
        },
        memory: (_config, epoch) => new InMemoryRevocationStore(epoch),
      },
      [ConfigService, StoreEpoch],
    ),
    observedRevocationStoreProvider,
  ],
  // The adapter too: the in-memory session store writes the in-memory revocations it holds.
  exports: [RevocationStore, RevocationStoreAdapter, EpochModule],
})
export class RevocationModule {}
