import { Migrator } from 'kysely/migration';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

/**
 * Applies every migration not yet applied, in order, in one transaction, holding Kysely's session-level advisory
 * lock (`pg_advisory_lock`): instances starting at once apply each migration once (a wait past the statement
 * timeout fails, and the boot retries). Returns the names applied.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
