import { Inject } from '@nestjs/common';
import type { ColumnType, Generated, Kysely } from 'kysely';

/** The tables, as Kysely sees them (src/database/migrations/ creates them). */
export interface Tables {
  users: UsersTable;
  audit_log: AuditLogTable;
  store_epoch: StoreEpochTable;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  roles: string[];
  disabled: boolean;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** Moves by one with every change: usable for optimistic checks. */
  version: ColumnType<number, number | undefined, number>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | undefined, never>;
  action: string;
  actor_id: string | null;
  subject_id: string;
  session_id: string | null;
  reason: string | null;
}

/** The store epoch's durable high-water mark: one row per epoch record (RedisKeys.epochRecord). */
export interface StoreEpochTable {
  record: string;
  epoch_id: string;
  seq: number;
  rev: ColumnType<string, string | number, string | number>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Database = Kysely<Tables>;

export const Database = Symbol('Database');
export const InjectDatabase = () => Inject(Database);
