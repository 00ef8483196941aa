import type { EnvironmentVariables } from './env.validation.js';
import { caBundleSetting } from './pem-file.js';

/** Where accounts, the audit trail and the store's high-water mark live: PostgreSQL, or embedded PGlite. */
export type DatabaseLocation = { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string };

export function databaseConfig(env: EnvironmentVariables, problems: string[]) {
  return {
    location: locationOf(env.DATABASE_URL, env.DATABASE_DIR),
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    tls: env.DATABASE_TLS === 'true',
    tlsCa: caBundleSetting(problems, 'DATABASE_TLS_CA_FILE', env.DATABASE_TLS_CA_FILE),
    migrateOnBoot: env.DATABASE_MIGRATE === 'true',
  };
}

export type DatabaseConfig = ReturnType<typeof databaseConfig>;

function locationOf(url: string | undefined, dataDir: string): DatabaseLocation {
  return url ? { kind: 'postgres', url } : { kind: 'embedded', dataDir };
}
