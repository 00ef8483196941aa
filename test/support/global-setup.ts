import { randomBytes } from 'node:crypto';
import { NO_REDIS_MESSAGE, findServerBinary, startRedisServer } from './redis-server.ts';
import { NO_POSTGRES_MESSAGE, findPostgresBin, startPostgresServer } from './postgres-server.ts';

declare global {
  var __TEST_REDIS__: import('./redis-server.ts').RunningRedis | undefined;
  var __TEST_POSTGRES__: import('./postgres-server.ts').RunningPostgres | undefined;
}

/**
 * Finds the servers the tests run against. Redis: `REDIS_URL`, else a `valkey-server` or `redis-server` on PATH,
 * started on a free loopback port. PostgreSQL: `DATABASE_URL` (a role that may create databases: every app under
 * test gets one of its own), else `initdb` and `postgres` from PATH or /usr/lib/postgresql, run in a temporary
 * directory on a free loopback port. Either missing: the run fails and says how to get one.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
  } else {
    const binary = findServerBinary();
    if (!binary) throw new Error(NO_REDIS_MESSAGE);
    const server = await startRedisServer(binary);
    globalThis.__TEST_REDIS__ = server;
    process.env.TEST_REDIS_URL = server.url;
  }
  process.env.TEST_REDIS_BINARY = findServerBinary() ?? '';
  const postgresBin = findPostgresBin();
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  } else {
    if (!postgresBin) throw new Error(NO_POSTGRES_MESSAGE);
    const server = await startPostgresServer(postgresBin);
    globalThis.__TEST_POSTGRES__ = server;
    process.env.TEST_DATABASE_URL = server.url;
  }
  process.env.TEST_POSTGRES_BIN = postgresBin ?? '';
  // Each app under test reads its configuration from the environment, like production; its database is its own
  // (test/support/test-database.ts), so the shared one is no app's.
  delete process.env.DATABASE_URL;
  process.env.REDIS_URL = process.env.TEST_REDIS_URL;
  process.env.JWT_SECRET ??= randomBytes(48).toString('base64');
}
