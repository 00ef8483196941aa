import { Module } from '@nestjs/common';
import { Database } from '../database/database.js';
import { AuditLog } from './audit-log.js';
import { AuditService } from './audit.service.js';
import { PostgresAuditLog } from './postgres-audit.log.js';

@Module({
  providers: [
    AuditService,
    { provide: AuditLog, inject: [Database], useFactory: (db: Database) => new PostgresAuditLog(db) },
  ],
  exports: [AuditService, AuditLog],
})
export class AuditModule {}
