import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemorySessionStore } from '../src/sessions/in-memory-session.store.js';
import { onInMemoryStore } from './support/in-memory-app.js';
import { describeOAuthJourneys } from './support/oauth-journeys.js';

const createTestApp = onInMemoryStore();
/** The key prefix of every app the journeys ran on: none of them may hold a Redis key. */
const appPrefixes: string[] = [];

describeOAuthJourneys({
  storeName: 'in-memory',
  expectedStore: InMemorySessionStore,
  createApp: (env = {}) => {
    const keyPrefix = `mem${randomUUID().slice(0, 8)}:`;
    appPrefixes.push(keyPrefix);
    return createTestApp({ REDIS_KEY_PREFIX: keyPrefix, ...env });
  },
});

describe('the in-memory OAuth journeys and Redis', () => {
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
