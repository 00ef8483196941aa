import type { Migration, MigrationProvider } from 'kysely/migration';
import { accounts } from './0001-accounts.js';
import { auditLog } from './0002-audit-log.js';
import { storeEpoch } from './0003-store-epoch.js';

/**
 * Every migration, by name, in order. Listed here rather than read from a folder, so that the build, the tests and
 * the CLI run exactly the same ones. A migration, once released, never changes: add the next one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-accounts': accounts,
  '0002-audit-log': auditLog,
  '0003-store-epoch': storeEpoch,
};

export const migrationProvider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };
