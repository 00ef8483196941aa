import { sql, type Kysely } from 'kysely';

/** The store epoch's high-water mark outside Redis: per epoch record, its epoch and the highest count seen. */
export const storeEpoch = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table store_epoch (
        record text primary key,
        epoch_id text not null,
        seq integer not null,
        rev bigint not null,
        updated_at timestamptz not null default now()
      )
    `.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table store_epoch`.execute(db);
  },
};
