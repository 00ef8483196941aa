import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { AuditEntry, AuditEvent, AuditLog, AuditPage } from './audit-log.js';

// XADD with approximate trimming (the cheap kind), allowed under OOM like the revocation it records: an entry is
// small and the stream is capped, and a revocation that went through must not lose its audit line to a full Redis.
const APPEND = `#!lua flags=allow-oom
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2))
`;

type AppendScript = (key: string, maxEntries: number, ...fields: string[]) => Promise<string>;

/** A Redis stream capped with `MAXLEN ~`. */
export class RedisAuditLog implements AuditLog {
  private readonly appendScript: AppendScript;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly maxEntries: number,
  ) {
    redis.defineCommand('auditAppend', { numberOfKeys: 1, lua: APPEND });
    this.appendScript = (redis as unknown as { auditAppend: AppendScript }).auditAppend.bind(redis);
  }

  async append(event: AuditEvent): Promise<void> {
    const fields = Object.entries({ ...event, at: new Date().toISOString() }).flatMap(([name, value]) =>
      value === undefined ? [] : [name, value === null ? '' : String(value)],
    );
    await storeCall(() => this.appendScript(this.key, this.maxEntries, ...fields));
  }

  page(limit: number, before?: string): Promise<AuditPage> {
    return storeCall(async () => {
      // One more than asked tells whether an older page exists; `(id` makes the bound exclusive.
      const end = before ? `(${before}` : '+';
      const rows = await this.redis.xrevrange(this.key, end, '-', 'COUNT', limit + 1);
      const entries = rows.slice(0, limit).map(([id, fields]) => toEntry(id, fields));
      return rows.length > limit ? { entries, nextCursor: entries[entries.length - 1].id } : { entries };
    });
  }
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const record: Record<string, string> = {};
  for (let index = 0; index < fields.length; index += 2) record[fields[index]] = fields[index + 1];
  return {
    id,
    at: record.at,
    action: record.action as AuditEntry['action'],
    actorId: record.actorId ? record.actorId : null,
    subjectId: record.subjectId,
    ...(record.sessionId && { sessionId: record.sessionId }),
    ...(record.reason && { reason: record.reason }),
  };
}
