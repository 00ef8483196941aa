import { removePostgresDir, stopPostgresServer } from './postgres-server.ts';
import { removeDataDir, stopRedisServer } from './redis-server.ts';

export default async function globalTeardown(): Promise<void> {
  const redis = globalThis.__TEST_REDIS__;
  const postgres = globalThis.__TEST_POSTGRES__;
  await Promise.all([
    redis && stopRedisServer(redis).then(() => removeDataDir(redis)),
    postgres && stopPostgresServer(postgres).then(() => removePostgresDir(postgres)),
  ]);
}
