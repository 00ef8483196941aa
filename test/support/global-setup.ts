import { randomBytes } from 'node:crypto';
import { NO_REDIS_MESSAGE, findServerBinary, startRedisServer } from './redis-server.ts';

declare global {
  var __TEST_REDIS__: import('./redis-server.ts').RunningRedis | undefined;
}

/**
 * Finds the Redis the tests run against, in DESIGN.md §7's order: `REDIS_URL`; a `valkey-server` or
 * `redis-server` on PATH, started on a free loopback port; otherwise the run fails and says how to get one.
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
  // Each app under test reads its configuration from the environment, like production.
  process.env.REDIS_URL = process.env.TEST_REDIS_URL;
  process.env.JWT_SECRET ??= randomBytes(48).toString('base64');
}
