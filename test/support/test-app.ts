import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../src/app.module.js';
import { createHttpAdapter, setUpApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/load-config.js';
import { testRedisUrl } from './redis-server.js';
import { withDatabase } from './test-database.js';

export { testRedisUrl };

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  /** A separate connection to the same Redis, to look at what the app wrote. */
  redis: Redis;
  /** This app's key prefix: every app under test gets its own, so suites never see each other's keys. */
  keyPrefix: string;
  close(): Promise<void>;
}

/**
 * The real AppModule on the real Fastify adapter, configured like production from settings (the test environment,
 * which global setup points at the test Redis, under `env`) and talking to a database of its own deployment (its
 * Redis and key prefix: see test-database.ts). `env` overrides variables for this app only; an undefined value
 * removes one (REDIS_URL: the in-memory store; DATABASE_URL: the embedded database). process.env is never written.
 */
export async function createTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const keyPrefix = env.REDIS_KEY_PREFIX ?? `t${randomUUID().slice(0, 8)}:`;
  // Suites log in far more often than a person; throttling has its own suite with low limits.
  const settings: Record<string, string | undefined> = {
    LOG_LEVEL: 'error',
    REDIS_KEY_PREFIX: keyPrefix,
    THROTTLE_IP_LIMIT: '1000000',
    THROTTLE_ACCOUNT_LIMIT: '1000000',
    THROTTLE_ACCOUNT_GLOBAL_LIMIT: '1000000',
    ...env,
  };
  const { DATABASE_URL } = await withDatabase({ ...process.env, ...settings });
  const applied: Record<string, string | undefined> = { ...settings, DATABASE_URL };
  // The embedded database, never in the working tree: a directory of this app's own unless the test names one.
  const embeddedDir = DATABASE_URL === undefined && !env.DATABASE_DIR ? mkdtempSync(join(tmpdir(), 'rjwt-db-')) : '';
  if (embeddedDir) applied.DATABASE_DIR = embeddedDir;
  const removeEmbeddedDir = () => embeddedDir && rmSync(embeddedDir, { recursive: true, force: true });
  let config;
  try {
    config = loadConfig({ ...process.env, ...applied });
  } catch (error) {
    removeEmbeddedDir();
    throw error;
  }
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config.app), {
    logger: ['error'],
  });
  try {
    await setUpApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // Its Redis connections would otherwise retry forever and keep jest from exiting.
    await moduleRef.close().catch(() => undefined);
    removeEmbeddedDir();
    throw error;
  }
  const redis = new Redis(testRedisUrl());
  return {
    app,
    http: request(app.getHttpServer()),
    redis,
    keyPrefix,
    close: async () => {
      await app.close();
      await redis.quit();
      removeEmbeddedDir();
    },
  };
}

/** The app's state in Redis: every key under its prefix except rate-limit counters (which every attempt moves). */
export async function stateKeys(api: TestApp): Promise<string[]> {
  const keys = await api.redis.keys(`${api.keyPrefix}*`);
  return keys.filter((key) => !key.startsWith(`${api.keyPrefix}throttle:`)).sort();
}
