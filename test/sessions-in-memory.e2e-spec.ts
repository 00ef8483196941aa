import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { InMemorySessionStore } from '../src/sessions/in-memory-session.store.js';
import { describeSessionJourneys } from './support/session-journeys.js';

// The Redis-or-memory choice is made once, when the app module is first imported in this file's module registry:
// REDIS_URL is removed first and the app module is imported only afterwards (dynamically).
let createTestApp: typeof import('./support/test-app.js').createTestApp;
let savedRedisUrl: string | undefined;
/** The key prefix of every app the journeys ran on: none of them may hold a Redis key. */
const appPrefixes: string[] = [];

beforeAll(async () => {
  savedRedisUrl = process.env.REDIS_URL;
  delete process.env.REDIS_URL;
  // Quiets the debug line ConditionalModule prints while the app module is imported.
  Logger.overrideLogger(['error']);
  ({ createTestApp } = await import('./support/test-app.js'));
});

afterAll(() => {
  if (savedRedisUrl !== undefined) process.env.REDIS_URL = savedRedisUrl;
});

describeSessionJourneys({
  storeName: 'in-memory',
  expectedStore: InMemorySessionStore,
  createApp: (env = {}) => {
    const keyPrefix = `mem${randomUUID().slice(0, 8)}:`;
    appPrefixes.push(keyPrefix);
    return createTestApp({ REDIS_KEY_PREFIX: keyPrefix, ...env });
  },
});

describe('the in-memory session journeys and Redis', () => {
  it('wrote no Redis key under the prefix of any app the journeys ran on', async () => {
    const url = process.env.TEST_REDIS_URL;
    if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
    const inspector = new Redis(url);
    try {
      expect(appPrefixes.length).toBeGreaterThan(0);
      const written = await Promise.all(appPrefixes.map((prefix) => inspector.keys(`${prefix}*`)));
      expect(written.flat()).toEqual([]);
    } finally {
      await inspector.quit();
    }
  });
});
