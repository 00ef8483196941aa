import type { DatabaseConfig, DatabaseLocation } from '../../src/config/database.config.js';
import { createTestDatabase } from './postgres-server.js';

/** The settings that tell one deployment's Redis data from another's: where Redis is, and the key prefix. */
const DEPLOYMENT_KEYS = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_CLUSTER_NODES'] as const;
const DEFAULT_PREFIX = 'auth:';

const databases = new Map<string, Promise<string>>();

/**
 * The database of the deployment that `env` describes, created on first use: apps, instances and CLI runs of one
 * test file that share a Redis and a key prefix share it, as one deployment's processes share theirs, and nothing
 * else sees it. (The store's high-water mark is kept per key prefix: two Redis servers under the default prefix
 * must not meet in one database, or the second would look like a rollback of the first.)
 */
export function databaseFor(env: Record<string, string | undefined>): Promise<string> {
  const deployment = [...DEPLOYMENT_KEYS.map((key) => env[key] ?? ''), env.REDIS_KEY_PREFIX ?? DEFAULT_PREFIX].join(
    '|',
  );
  let database = databases.get(deployment);
  if (!database) {
    database = createTestDatabase();
    databases.set(deployment, database);
  }
  return database;
}

/**
 * `env` with DATABASE_URL filled in by `databaseFor` when it names none. A DATABASE_URL set to undefined stays
 * unset: that app runs on the embedded database.
 */
export async function withDatabase<T extends Record<string, string | undefined>>(env: T): Promise<T> {
  if ('DATABASE_URL' in env) return env;
  return { ...env, DATABASE_URL: await databaseFor(env) };
}

/** The database settings the app would read, for tests that open a database the way the app does. */
export function databaseSettings(location: DatabaseLocation, overrides: Partial<DatabaseConfig> = {}): DatabaseConfig {
  return {
    location,
    poolSize: 10,
    statementTimeoutMs: 2000,
    tls: false,
    tlsCa: undefined,
    migrateOnBoot: true,
    ...overrides,
  };
}
