import { sql } from 'kysely';
import { databaseCall } from '../common/errors/store-unavailable.error.js';
import type { Database } from '../database/database.js';
import type { NewUser, Role, User, UserChanges } from './user.js';
import type { UsersRepository } from './users-repository.js';

const COLUMNS = ['id', 'email', 'password_hash', 'roles', 'disabled', 'created_at', 'updated_at', 'version'] as const;

/**
 * Accounts in the `users` table (PostgreSQL, or embedded PGlite: the same SQL). Every change is one row-level
 * `UPDATE` of the fields it names, moving `updated_at` and `version`: concurrent changes of other fields are kept.
 */
export class PostgresUsersRepository implements UsersRepository {
  constructor(private readonly db: Database) {}

  create(user: NewUser): Promise<boolean> {
    return databaseCall(async () => {
      const createdAt = new Date(user.createdAt);
      const inserted = await this.db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          roles: user.roles,
          disabled: user.disabled,
          created_at: createdAt,
          updated_at: createdAt,
          version: 1,
        })
        // The unique index on lower(email): a taken email inserts nothing.
        .onConflict((conflict) => conflict.expression(sql`lower(email)`).doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    });
  }

  findById(id: string): Promise<User | undefined> {
    return databaseCall(async () =>
      toUser(await this.db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst()),
    );
  }

  findByEmail(email: string): Promise<User | undefined> {
    return databaseCall(async () =>
      toUser(
        await this.db
          .selectFrom('users')
          .select(COLUMNS)
          .where(sql<string>`lower(email)`, '=', email.toLowerCase())
          .executeTakeFirst(),
      ),
    );
  }

  update(id: string, changes: UserChanges): Promise<number | undefined> {
    return this.changed(id, changes);
  }

  replacePasswordHash(id: string, expected: string, next: string): Promise<number | undefined> {
    return this.changed(id, { passwordHash: next }, expected);
  }

  delete(id: string): Promise<boolean> {
    return databaseCall(async () => {
      const { numDeletedRows } = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirstOrThrow();
      return numDeletedRows > 0n;
    });
  }

  /**
   * One UPDATE of the named fields; with `expectedHash`, only while the stored hash is still that one. The version
   * after it, or undefined when no row matched.
   */
  private changed(id: string, changes: UserChanges, expectedHash?: string): Promise<number | undefined> {
    return databaseCall(async () => {
      let update = this.db
        .updateTable('users')
        .set({
          ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
          ...(changes.roles !== undefined && { roles: changes.roles }),
          ...(changes.disabled !== undefined && { disabled: changes.disabled }),
          updated_at: sql<Date>`now()`,
          version: sql<number>`version + 1`,
        })
        .where('id', '=', id);
      if (expectedHash !== undefined) update = update.where('password_hash', '=', expectedHash);
      const row = await update.returning('version').executeTakeFirst();
      return row?.version;
    });
  }
}

/** A row as COLUMNS selects it. */
interface Row {
  id: string;
  email: string;
  password_hash: string;
  roles: string[];
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toUser(row: Row | undefined): User | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    roles: row.roles as Role[],
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}
