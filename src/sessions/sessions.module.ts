import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { AuditModule } from '../audit/audit.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { RevocationStore } from '../revocation/revocation-store.js';
import { InMemorySessionStore } from './in-memory-session.store.js';
import { RedisSessionStore } from './redis-session.store.js';
import { RefreshTokenCodec } from './refresh-token.codec.js';
import { SessionStore } from './session-store.js';
import { SessionsService } from './sessions.service.js';

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
    storeAdapterProvider<SessionStore, [RevocationStore]>(
      SessionStore,
      {
        redis: (redis, keys) => new RedisSessionStore(redis, keys),
        memory: (revocations) => new InMemorySessionStore(revocations),
      },
      [RevocationStore],
    ),
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
