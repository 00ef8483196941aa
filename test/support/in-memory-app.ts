import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemorySessionStore } from '../../src/sessions/in-memory-session.store.js';
import type { SessionJourneyOptions } from './session-journeys.js';
import { createTestApp, type TestApp } from './test-app.js';

type CreateTestApp = (env?: Record<string, string>) => Promise<TestApp>;

/**
 * Makes this test file build its apps on the in-memory store: `createTestApp` with REDIS_URL removed from the
 * settings of every app (process.env is left as it is). Use the returned function like `createTestApp`.
 */
export function onInMemoryStore(): CreateTestApp {
  return (env) => createTestApp({ REDIS_URL: undefined, ...env });
}

/**
 * Runs store-agnostic journeys (session, OAuth) on in-memory apps, each under a key prefix of its own, then checks
 * that none of those apps wrote a single key to the test Redis. `describeJourneys` is e.g. describeSessionJourneys.
 */
export function describeJourneysOnInMemoryStore(
  journeys: string,
  describeJourneys: (options: SessionJourneyOptions) => void,
): void {
  const createTestApp = onInMemoryStore();
  const appPrefixes: string[] = [];

  describeJourneys({
    storeName: 'in-memory',
    expectedStore: InMemorySessionStore,
    createApp: (env = {}) => {
      const keyPrefix = `mem${randomUUID().slice(0, 8)}:`;
      appPrefixes.push(keyPrefix);
      return createTestApp({ REDIS_KEY_PREFIX: keyPrefix, ...env });
    },
  });

  describe(`the in-memory ${journeys} journeys and Redis`, () => {
    it('wrote no Redis key under the prefix of any app the journeys ran on', async () => {
      const url = process.env.TEST_REDIS_URL;
      if (!url)
        throw new Error('TEST_REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
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
}
