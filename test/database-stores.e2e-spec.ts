import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { PostgresAuditLog } from '../src/audit/postgres-audit.log.js';
import { describeAuditLogContract } from '../src/audit/testing/audit-log.contract.js';
import type { Database } from '../src/database/database.js';
import { migrateToLatest } from '../src/database/migrate.js';
import { MIGRATIONS } from '../src/database/migrations/index.js';
import { openDatabase } from '../src/database/open-database.js';
import { PostgresEpochLedger } from '../src/epoch/postgres-epoch-ledger.js';
import { describeEpochLedgerContract } from '../src/epoch/testing/epoch-ledger.contract.js';
import { PostgresUsersRepository } from '../src/users/postgres-users.repository.js';
import { describeUsersRepositoryContract } from '../src/users/testing/users-repository.contract.js';
import {
  createTestDatabase,
  findPostgresBin,
  NO_POSTGRES_MESSAGE,
  removePostgresDir,
  startPostgresServer,
  stopPostgresServer,
  type RunningPostgres,
} from './support/postgres-server.js';
import { databaseSettings } from './support/test-database.js';

/**
 * The database adapters (accounts, the audit trail, the store's high-water mark) and the migrations, on a real
 * PostgreSQL server and on embedded PGlite: the same contract suites, the same SQL.
 */

const MIGRATION_NAMES = Object.keys(MIGRATIONS);
const noPoolErrors = () => undefined;

interface Target {
  name: string;
  /** A fresh, empty database (no migration applied yet). */
  open(): Promise<Database>;
}

const embeddedDirs: string[] = [];
afterAll(() => {
  for (const dir of embeddedDirs) rmSync(dir, { recursive: true, force: true });
});

const TARGETS: Target[] = [
  {
    name: 'PostgreSQL',
    open: async () =>
      openDatabase(databaseSettings({ kind: 'postgres', url: await createTestDatabase() }), {
        openEmbedded: true,
        onPoolError: noPoolErrors,
      }),
  },
  {
    name: 'PGlite',
    open: () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'rjwt-pglite-'));
      embeddedDirs.push(dataDir);
      return Promise.resolve(
        openDatabase(databaseSettings({ kind: 'embedded', dataDir }), {
          openEmbedded: true,
          onPoolError: noPoolErrors,
        }),
      );
    },
  },
];

/** The tables, columns and indexes the migrations made: what a second run must leave exactly as it was. */
async function schemaOf(db: Database): Promise<string[]> {
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as line
    from information_schema.columns where table_schema = current_schema() order by 1`.execute(db);
  const indexes = await sql<{ line: string }>`
    select indexdef as line from pg_indexes where schemaname = current_schema() order by 1`.execute(db);
  return [...columns.rows, ...indexes.rows].map((row) => row.line);
}

describe.each(TARGETS)('on $name', (target) => {
  let db: Database;

  beforeAll(async () => {
    db = await target.open();
    await migrateToLatest(db);
  }, 30_000);

  afterAll(async () => {
    await db?.destroy();
  });

  /** Every test starts from empty tables. */
  const emptied = async () => {
    await sql`truncate users, audit_log, store_epoch restart identity`.execute(db);
    return db;
  };

  describeUsersRepositoryContract(`PostgresUsersRepository on ${target.name}`, async () => {
    return new PostgresUsersRepository(await emptied());
  });
  describeAuditLogContract(`PostgresAuditLog on ${target.name}`, async () => new PostgresAuditLog(await emptied()));
  // Not emptied per test: the contract's deployments share the table, told apart by their key prefix.
  describeEpochLedgerContract(`PostgresEpochLedger on ${target.name}`, (prefix) =>
    Promise.resolve(new PostgresEpochLedger(db, prefix)),
  );
});

describe.each(TARGETS)('migrations on $name', (target) => {
  it('apply every migration in order once, and a second run applies none and changes nothing', async () => {
    const db = await target.open();
    try {
      expect(await migrateToLatest(db)).toEqual(MIGRATION_NAMES);
      const schema = await schemaOf(db);
      expect(schema).toEqual(expect.arrayContaining([expect.stringContaining('users_email_unique')]));
      expect(await migrateToLatest(db)).toEqual([]);
      expect(await schemaOf(db)).toEqual(schema);
    } finally {
      await db.destroy();
    }
  }, 30_000);
});

describe('migrations from several instances at once, on PostgreSQL', () => {
  it('apply each migration exactly once when five instances migrate one empty database together', async () => {
    const url = await createTestDatabase();
    const instances = Array.from({ length: 5 }, () =>
      openDatabase(databaseSettings({ kind: 'postgres', url }), { openEmbedded: true, onPoolError: noPoolErrors }),
    );
    try {
      const applied = await Promise.all(instances.map((db) => migrateToLatest(db)));
      expect(applied.flat().sort()).toEqual(MIGRATION_NAMES);
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        instances[0],
      );
      expect(rows.map((row) => row.name)).toEqual(MIGRATION_NAMES);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });
});

describe('a connection lost in the middle of a query', () => {
  const bin = findPostgresBin();
  let server: RunningPostgres | undefined;

  afterAll(async () => {
    if (server) {
      await stopPostgresServer(server, 'SIGKILL');
      removePostgresDir(server);
    }
  });

  // node-postgres emits 'error' on a client whose server went away; the pool listens only while the client is
  // idle, so without a listener of the app's own the process would end on an unhandled 'error' event.
  it('fails that query, reports the loss once, and leaves the process running', async () => {
    if (!bin) throw new Error(NO_POSTGRES_MESSAGE);
    server = await startPostgresServer(bin);
    const losses: string[] = [];
    const db = openDatabase(databaseSettings({ kind: 'postgres', url: server.url }), {
      openEmbedded: true,
      onPoolError: (error) => losses.push(error.message),
    });
    try {
      const slow = sql`select pg_sleep(5)`.execute(db);
      const outcome = slow.then(
        () => 'answered',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stopPostgresServer(server, 'SIGKILL');
      expect(await outcome).toMatch(/Connection terminated unexpectedly/);
      expect(losses).toEqual(['Connection terminated unexpectedly']);
    } finally {
      await db.destroy().catch(() => undefined);
    }
  });
});
