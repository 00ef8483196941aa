import { sql } from 'kysely';
import { databaseCall } from '../common/errors/store-unavailable.error.js';
import type { Database } from '../database/database.js';
import type { AuditAction, AuditEntry, AuditEvent, AuditLog, AuditPage } from './audit-log.js';

/** The `audit_log` table (PostgreSQL, or embedded PGlite): append-only, paged by its bigserial id. */
export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: Database) {}

  async append(event: AuditEvent): Promise<void> {
    await databaseCall(() =>
      this.db
        .insertInto('audit_log')
        .values({
          action: event.action,
          actor_id: event.actorId,
          subject_id: event.subjectId,
          session_id: event.sessionId ?? null,
          reason: event.reason ?? null,
        })
        .execute(),
    );
  }

  page(limit: number, before?: string): Promise<AuditPage> {
    return databaseCall(async () => {
      let query = this.db
        .selectFrom('audit_log')
        .select([sql<string>`id::text`.as('id'), 'at', 'action', 'actor_id', 'subject_id', 'session_id', 'reason'])
        // The column, not the text the select makes of it: ids order as numbers.
        .orderBy('audit_log.id', 'desc')
        // One more than asked tells whether an older page exists.
        .limit(limit + 1);
      if (before !== undefined) query = query.where('audit_log.id', '<', before);
      const rows = await query.execute();
      const entries = rows.slice(0, limit).map(toEntry);
      return rows.length > limit ? { entries, nextCursor: entries[entries.length - 1].id } : { entries };
    });
  }

  removeOlderThan(cutoff: Date): Promise<number> {
    return databaseCall(async () => {
      const { numDeletedRows } = await this.db
        .deleteFrom('audit_log')
        .where('at', '<', cutoff)
        .executeTakeFirstOrThrow();
      return Number(numDeletedRows);
    });
  }
}

interface Row {
  id: string;
  at: Date;
  action: string;
  actor_id: string | null;
  subject_id: string;
  session_id: string | null;
  reason: string | null;
}

function toEntry(row: Row): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    action: row.action as AuditAction,
    actorId: row.actor_id,
    subjectId: row.subject_id,
    ...(row.session_id !== null && { sessionId: row.session_id }),
    ...(row.reason !== null && { reason: row.reason }),
  };
}
