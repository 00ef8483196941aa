import { sql, type Kysely } from 'kysely';

/** Accounts: a unique index on the normalised email; every change moves `updated_at` and `version`. */
export const accounts = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table users (
        id uuid primary key,
        email text not null,
        password_hash text not null,
        roles text[] not null default '{user}',
        disabled boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        version integer not null default 1
      )
    `.execute(db);
    await sql`create unique index users_email_unique on users (lower(email))`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table users`.execute(db);
  },
};
