import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { InjectAuditLog, type AuditLog } from './audit-log.js';

/** How often entries past AUDIT_RETENTION are removed (and once at start). */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Removes audit entries older than AUDIT_RETENTION, hourly, in the API process only (AppModule): a CLI run is too
 * short for it, and on the embedded database it could not reach the data anyway.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly retentionMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectAuditLog() private readonly log: AuditLog,
    config: ConfigService<AllConfig, true>,
  ) {
    this.retentionMs = config.get('app.auditRetentionSeconds', { infer: true }) * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS).unref();
    void this.prune();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async prune(): Promise<void> {
    try {
      const removed = await this.log.removeOlderThan(new Date(Date.now() - this.retentionMs));
      if (removed > 0) this.logger.log(`Removed ${removed} audit entries older than AUDIT_RETENTION`);
    } catch (error) {
      // The next round tries again; the entries are only kept longer meanwhile.
      this.logger.warn(`Could not prune the audit log: ${(error as Error).message}`);
    }
  }
}
