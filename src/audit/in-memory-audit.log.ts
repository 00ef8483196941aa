import type { AuditEntry, AuditEvent, AuditLog, AuditPage } from './audit-log.js';

/** The embedded audit log: newest last, the oldest dropped past `maxEntries`; ids sort like stream ids. */
export class InMemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];
  private sequence = 0;

  constructor(private readonly maxEntries: number) {}

  append(event: AuditEvent): Promise<void> {
    const now = new Date();
    this.sequence += 1;
    this.entries.push({ ...event, id: `${now.getTime()}-${this.sequence}`, at: now.toISOString() });
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
    return Promise.resolve();
  }

  page(limit: number, before?: string): Promise<AuditPage> {
    const end = before === undefined ? this.entries.length : this.entries.findIndex((entry) => entry.id === before);
    const newestFirst = this.entries.slice(0, Math.max(0, end)).reverse();
    const entries = newestFirst.slice(0, limit).map((entry) => ({ ...entry }));
    return Promise.resolve(
      newestFirst.length > limit ? { entries, nextCursor: entries[entries.length - 1].id } : { entries },
    );
  }
}
