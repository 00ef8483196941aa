import { Injectable, Logger } from '@nestjs/common';
import { InjectAuditLog, type AuditEvent, type AuditLog, type AuditPage } from './audit-log.js';

/** Every revocation leaves a line in the log stream and an entry in the audit log, kept for AUDIT_RETENTION. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(@InjectAuditLog() private readonly log: AuditLog) {}

  async record(event: AuditEvent): Promise<void> {
    this.logger.log(JSON.stringify(event));
    await this.log.append(event);
  }

  page(limit: number, before?: string): Promise<AuditPage> {
    return this.log.page(limit, before);
  }
}
