import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
} from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { StoreUnavailableError } from '../common/errors/store-unavailable.error.js';
import type { DatabaseConfig } from '../config/database.config.js';
import type { Database, Tables } from './database.js';

/** A connection waits this long for a free pool slot or a new socket before the request gets 503. */
const CONNECT_TIMEOUT_MS = 1000;
// TLS from the URL is taken over by the app, so that DATABASE_TLS_CA_FILE applies to it too.
const URL_TLS_MODES = new Set(['require', 'verify-ca', 'verify-full']);

export interface OpenOptions {
  /** False in a process that must never open the embedded database (the CLI: it belongs to the API process). */
  openEmbedded: boolean;
  onPoolError: (error: Error) => void;
}

/**
 * The database: a node-postgres pool on DATABASE_URL, or embedded PGlite in DATABASE_DIR. Every query is bounded:
 * the server's `statement_timeout`, and the client's own timeout a little past it for a server that does not answer.
 */
export function openDatabase(config: DatabaseConfig, { openEmbedded, onPoolError }: OpenOptions): Database {
  const { location } = config;
  if (location.kind === 'embedded') {
    if (!openEmbedded) return new Kysely<Tables>({ dialect: EMBEDDED_ELSEWHERE });
    mkdirSync(location.dataDir, { recursive: true });
    return new Kysely<Tables>({ dialect: new PGliteDialect(new PGlite(location.dataDir)) });
  }
  const url = new URL(location.url);
  const urlTls = URL_TLS_MODES.has(url.searchParams.get('sslmode') ?? '');
  url.searchParams.delete('sslmode');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: config.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: config.statementTimeoutMs,
    query_timeout: config.statementTimeoutMs + CONNECT_TIMEOUT_MS,
    ...((config.tls || urlTls) && { ssl: config.tlsCa === undefined ? true : { ca: config.tlsCa } }),
  });
  // A client whose server went away emits 'error'; unhandled, that would end the process. The pool listens only
  // while a client is idle (and re-emits here), so each client gets a listener of its own, for the time it is
  // checked out too: the query it was running fails by itself, and its request gets 503.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', onPoolError));
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** Every query fails: PGlite takes one process per data directory, and another process owns this one. */
class EmbeddedElsewhereDriver extends DummyDriver {
  override acquireConnection(): Promise<DatabaseConnection> {
    return Promise.reject(
      new StoreUnavailableError(
        undefined,
        'The embedded database (DATABASE_DIR) belongs to the API process; set DATABASE_URL to a PostgreSQL server',
      ),
    );
  }
}

const EMBEDDED_ELSEWHERE: Dialect = {
  createAdapter: () => new PostgresAdapter(),
  createDriver: () => new EmbeddedElsewhereDriver(),
  createIntrospector: (db) => new PostgresIntrospector(db),
  createQueryCompiler: () => new PostgresQueryCompiler(),
};
