import { sql, type Kysely } from 'kysely';

/** The audit trail: append-only, paged newest first by id, pruned by age, looked up by actor or subject. */
export const auditLog = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table audit_log (
        id bigserial primary key,
        at timestamptz not null default now(),
        action text not null,
        actor_id uuid,
        subject_id uuid not null,
        session_id uuid,
        reason text
      )
    `.execute(db);
    await sql`create index audit_log_at on audit_log (at)`.execute(db);
    await sql`create index audit_log_actor on audit_log (actor_id, id)`.execute(db);
    await sql`create index audit_log_subject on audit_log (subject_id, id)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table audit_log`.execute(db);
  },
};
