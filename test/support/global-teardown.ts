import { removeDataDir, stopRedisServer } from './redis-server.ts';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__TEST_REDIS__;
  if (!server) return;
  await stopRedisServer(server);
  removeDataDir(server);
}
