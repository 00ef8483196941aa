import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditModule } from '../audit/audit.module.js';
import type { AllConfig } from '../config/config.types.js';
import { RedisStoreEpoch } from '../epoch/redis-store-epoch.js';
import { StoreEpoch } from '../epoch/store-epoch.js';
import { adapterAs, storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { ReplicatedWriter } from '../redis/replication.js';
import { InMemoryRevocationStore } from '../revocation/in-memory-revocation.store.js';
import { RevocationStoreAdapter } from '../revocation/observed-revocation.store.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import type { RevocationStore } from '../revocation/revocation-store.js';
import { InMemorySessionStore } from './in-memory-session.store.js';
import { RedisSessionStore } from './redis-session.store.js';
import { RefreshTokenCodec } from './refresh-token.codec.js';
import { SessionStore } from './session-store.js';
import { sessionTerms } from './session-terms.js';
import { SessionsService } from './sessions.service.js';

const termsOf = (config: ConfigService<AllConfig, true>) =>
  sessionTerms(config.get('jwt', { infer: true }), config.get('session', { infer: true }));

@Module({
  imports: [RevocationModule, AuditModule],
  providers: [
    SessionsService,
    {
      provide: RefreshTokenCodec,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        new RefreshTokenCodec(config.get('jwt.secretKey', { infer: true })),
    },
    storeAdapterProvider<SessionStore, [ConfigService<AllConfig, true>, StoreEpoch, RevocationStore]>(
      SessionStore,
      {
        redis: (redis, keys, config, epoch, revocations) => {
          const { waitReplicas, waitTimeoutMs } = config.get('redis', { infer: true });
          const writer = new ReplicatedWriter(redis, { replicas: waitReplicas, timeoutMs: waitTimeoutMs });
          return new RedisSessionStore(
            redis,
            keys,
            termsOf(config),
            adapterAs(epoch, RedisStoreEpoch),
            writer,
            revocations,
          );
        },
        memory: (config, epoch, revocations) =>
          new InMemorySessionStore(adapterAs(revocations, InMemoryRevocationStore), epoch, termsOf(config)),
      },
      [ConfigService, StoreEpoch, RevocationStoreAdapter],
    ),
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
