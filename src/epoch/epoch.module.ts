import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { Database } from '../database/database.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { EpochLedger } from './epoch-ledger.js';
import { PostgresEpochLedger } from './postgres-epoch-ledger.js';
import { InMemoryStoreEpoch } from './in-memory-store-epoch.js';
import { RedisStoreEpoch } from './redis-store-epoch.js';
import { StoreEpoch, StoreLossObserver } from './store-epoch.js';

const UNOBSERVED: StoreLossObserver = { storeLost: () => undefined };

/** The store epoch: which generation of the revocation store's data every token and session belongs to. */
@Module({
  providers: [
    {
      provide: EpochLedger,
      inject: [Database, RedisKeys],
      useFactory: (db: Database, keys: RedisKeys) => new PostgresEpochLedger(db, keys.epochRecords()),
    },
    storeAdapterProvider<StoreEpoch, [EpochLedger, ConfigService<AllConfig, true>, StoreLossObserver | undefined]>(
      StoreEpoch,
      {
        redis: (redis, keys, ledger, config, observer) =>
          new RedisStoreEpoch(
            redis,
            keys,
            ledger,
            observer ?? UNOBSERVED,
            config.get('redis.commandTimeoutMs', { infer: true }),
          ),
        memory: () => new InMemoryStoreEpoch(),
      },
      [EpochLedger, ConfigService, { token: StoreLossObserver, optional: true }],
    ),
  ],
  exports: [StoreEpoch],
})
export class EpochModule {}
