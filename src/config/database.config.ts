import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';

/** Where accounts, the audit trail and the store's high-water mark live: PostgreSQL, or embedded PGlite. */
export type DatabaseLocation = { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string };

export const databaseConfig = registerAs('database', () => {
  const env = readEnv();
  return {
    location: locationOf(env.DATABASE_URL, env.DATABASE_DIR),
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    tls: env.DATABASE_TLS === 'true',
    // Read once; checked by validateEnv.
    tlsCa: env.DATABASE_TLS_CA_FILE ? readFileSync(env.DATABASE_TLS_CA_FILE, 'utf8') : undefined,
    migrateOnBoot: env.DATABASE_MIGRATE === 'true',
  };
});

export type DatabaseConfig = ReturnType<typeof databaseConfig>;

function locationOf(url: string | undefined, dataDir: string): DatabaseLocation {
  return url ? { kind: 'postgres', url } : { kind: 'embedded', dataDir };
}
