import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import type { AllConfig } from '../config/config.types.js';
import { EpochModule } from '../epoch/epoch.module.js';
import { StoreEpoch } from '../epoch/store-epoch.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import type { RedisClient } from '../redis/redis-client.js';
import { RevocationReads } from '../redis/revocation-reads.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { observedRevocationStoreProvider, RevocationStoreAdapter } from './observed-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';
import { RevocationMirror } from './revocation-mirror.js';
import { RevocationStore } from './revocation-store.js';

@Module({
  imports: [EpochModule],
  providers: [
    storeAdapterProvider<RevocationStore, [ConfigService<AllConfig, true>, StoreEpoch, RedisClient | undefined]>(
      RevocationStoreAdapter,
      {
        // Every check reads on the guard's own connection (RevocationReads): writes never queue ahead of it.
        redis: (_shared, keys, config, epoch, reads) => {
          const settings = config.get('redis', { infer: true });
          const connection = reads as RedisClient;
          // Tracking is per connection; a Cluster would need one subscriber per node, so it always asks the store.
          const mirror =
            settings.mirror.enabled && !connection.isCluster
              ? new RevocationMirror(connection as Redis, {
                  keyPrefix: settings.keyPrefix,
                  ...settings.mirror,
                  onFlush: () => epoch.suspect(),
                })
              : undefined;
          return new RedisRevocationStore(connection, keys, epoch, mirror);
        },
        memory: (_config, epoch) => new InMemoryRevocationStore(epoch),
      },
      [ConfigService, StoreEpoch, { token: RevocationReads, optional: true }],
    ),
    observedRevocationStoreProvider,
  ],
  // The adapter too: the in-memory session store writes the in-memory revocations it holds.
  exports: [RevocationStore, RevocationStoreAdapter, EpochModule],
})
export class RevocationModule {}
