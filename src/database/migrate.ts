import { Migrator } from 'kysely/migration';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

/**
 * Applies every migration not yet applied, in order, in one transaction under Kysely's advisory lock
 * (`pg_advisory_xact_lock`): instances starting at once apply each migration once. Returns the names applied.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
