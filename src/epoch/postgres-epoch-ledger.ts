import { sql } from 'kysely';
import type { Database } from '../database/database.js';
import type { EpochLedger, LedgerEntry } from './epoch-ledger.js';

/**
 * The store epoch's high-water mark in the `store_epoch` table: one row per epoch record of this deployment (its
 * key, with REDIS_KEY_PREFIX, tells deployments sharing a database apart). A write never moves a row back: an older
 * epoch is ignored, and within one epoch the count only grows, whichever instance writes last.
 */
export class PostgresEpochLedger implements EpochLedger {
  constructor(
    private readonly db: Database,
    /** Every epoch record of this deployment starts with it (RedisKeys.epochRecord). */
    private readonly recordPrefix: string,
  ) {}

  async read(): Promise<LedgerEntry | undefined> {
    const rows = await this.db
      .selectFrom('store_epoch')
      .select(['record', 'epoch_id', 'seq', sql<string>`rev::text`.as('rev')])
      .where(sql<boolean>`starts_with(record, ${this.recordPrefix})`)
      .execute();
    if (rows.length === 0) return undefined;
    const latest = rows.reduce((top, row) => (row.seq > top.seq ? row : top));
    const current = rows.filter((row) => row.seq === latest.seq && row.epoch_id === latest.epoch_id);
    return {
      id: latest.epoch_id,
      seq: latest.seq,
      revs: Object.fromEntries(current.map((row) => [row.record, Number(row.rev)])),
    };
  }

  async write(entry: LedgerEntry): Promise<void> {
    const rows = Object.entries(entry.revs).map(([record, rev]) => ({
      record,
      epoch_id: entry.id,
      seq: entry.seq,
      rev,
    }));
    if (rows.length === 0) return;
    await this.db
      .insertInto('store_epoch')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .column('record')
          .doUpdateSet({
            epoch_id: sql`excluded.epoch_id`,
            seq: sql`excluded.seq`,
            rev: sql`case when excluded.seq > store_epoch.seq then excluded.rev else greatest(store_epoch.rev, excluded.rev) end`,
            updated_at: sql`now()`,
          })
          .where(sql<boolean>`excluded.seq >= store_epoch.seq`),
      )
      .execute();
  }
}
