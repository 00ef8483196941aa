import { Module } from '@nestjs/common';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { RedisRevocationStore } from './redis-revocation.store.js';
import { RevocationStore } from './revocation-store.js';

@Module({
  providers: [
    storeAdapterProvider<RevocationStore>(RevocationStore, {
      redis: (redis, keys) => new RedisRevocationStore(redis, keys),
      memory: () => new InMemoryRevocationStore(),
    }),
  ],
  exports: [RevocationStore],
})
export class RevocationModule {}
