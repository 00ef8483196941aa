import { Logger } from '@nestjs/common';
import type { TestApp } from './test-app.js';

type CreateTestApp = (env?: Record<string, string>) => Promise<TestApp>;

/**
 * Makes this test file build its apps on the in-memory store. The Redis-or-memory choice is made once, when the
 * app module is first imported in a file's module registry, so REDIS_URL is removed first and the app module is
 * imported only afterwards (dynamically). Call at the top level of the test file; use the returned function like
 * `createTestApp` inside tests and hooks.
 */
export function onInMemoryStore(): CreateTestApp {
  let createTestApp: CreateTestApp | undefined;
  let savedRedisUrl: string | undefined;

  beforeAll(async () => {
    savedRedisUrl = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    // Quiets the debug line ConditionalModule prints while the app module is imported.
    Logger.overrideLogger(['error']);
    ({ createTestApp } = await import('./test-app.js'));
  });

  afterAll(() => {
    if (savedRedisUrl !== undefined) process.env.REDIS_URL = savedRedisUrl;
  });

  return (env) => {
    if (!createTestApp) throw new Error('onInMemoryStore(): apps can be created only once beforeAll has run');
    return createTestApp(env);
  };
}
