import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AppModule } from '../../src/app.module.js';
import { createHttpAdapter, setUpApp } from '../../src/app.setup.js';
import { testRedisUrl } from './redis-server.js';

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
 * The real AppModule on the real Fastify adapter, configured through the environment like production and
 * talking to the test Redis. `env` overrides variables for this app only.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const keyPrefix = env.REDIS_KEY_PREFIX ?? `t${randomUUID().slice(0, 8)}:`;
  // Suites log in far more often than a person; throttling has its own suite with low limits.
  const applied = {
    LOG_LEVEL: 'error',
    REDIS_KEY_PREFIX: keyPrefix,
    THROTTLE_IP_LIMIT: '1000000',
    THROTTLE_ACCOUNT_LIMIT: '1000000',
    ...env,
  };
  const previous = Object.fromEntries(Object.keys(applied).map((key) => [key, process.env[key]]));
  Object.assign(process.env, applied);
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: ['error'] });
    try {
      await setUpApp(app);
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    } catch (error) {
      // Its Redis connections would otherwise retry forever and keep jest from exiting.
      await moduleRef.close().catch(() => undefined);
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
      },
    };
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The app's state in Redis: every key under its prefix except rate-limit counters (which every attempt moves). */
export async function stateKeys(api: TestApp): Promise<string[]> {
  const keys = await api.redis.keys(`${api.keyPrefix}*`);
  return keys.filter((key) => !key.startsWith(`${api.keyPrefix}throttle:`)).sort();
}
