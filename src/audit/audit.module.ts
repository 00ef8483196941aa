import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { AuditLog } from './audit-log.js';
import { AuditService } from './audit.service.js';
import { InMemoryAuditLog } from './in-memory-audit.log.js';
import { RedisAuditLog } from './redis-audit.log.js';

@Module({
  providers: [
    AuditService,
    storeAdapterProvider<AuditLog, [ConfigService<AllConfig, true>]>(
      AuditLog,
      {
        redis: (redis, keys, config) =>
          new RedisAuditLog(redis, keys.audit(), config.get('app.auditMaxEntries', { infer: true })),
        memory: (config) => new InMemoryAuditLog(config.get('app.auditMaxEntries', { infer: true })),
      },
      [ConfigService],
    ),
  ],
  exports: [AuditService],
})
export class AuditModule {}
