import { RedisKeys } from '../src/redis/redis-keys.js';
import { RedisSessionStore } from '../src/sessions/redis-session.store.js';
import { bearer } from './support/auth-client.js';
import { loginWithAgent, newAccount, rotate, sidOf } from './support/session-client.js';
import { describeSessionJourneys } from './support/session-journeys.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describeSessionJourneys({
  storeName: 'Redis',
  expectedStore: RedisSessionStore,
  createApp: (env) => createTestApp(env),
});

describe('what the Redis session store keeps', () => {
  let api: TestApp;

  const keys = () => new RedisKeys(api.keyPrefix);
  const sessionKey = (userId: string, sid: string) => keys().session(userId, sid);
  const indexKey = (userId: string) => keys().sessions(userId);

  beforeAll(async () => {
    api = await createTestApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('keeps one hash per session until its last access token ends, holding a hash of the token and never the token', async () => {
    const { id, email } = await newAccount(api.http);
    const login = await loginWithAgent(api.http, email, 'redis-inspector');
    const key = sessionKey(id, sidOf(login));

    const stored = await api.redis.hgetall(key);
    expect(stored).toEqual(expect.objectContaining({ ua: 'redis-inspector', gen: '0' }));
    expect(Object.values(stored)).not.toContain(login.refresh_token);
    // Its refresh expiry, then one access token's lifetime (15 min) and twice the clock tolerance (5 s) more.
    const lastTokenEnds = Number(stored.refreshExp) + (15 * 60 + 2 * 5) * 1000;
    expect(await api.redis.pexpiretime(key)).toBe(lastTokenEnds);
    expect(await api.redis.zscore(indexKey(id), sidOf(login))).toBe(String(lastTokenEnds));

    const next = await rotate(api.http, login.refresh_token);
    const rotated = await api.redis.hgetall(key);
    expect(rotated.gen).toBe('1');
    expect(rotated.hash).not.toBe(stored.hash);
    expect(Object.values(rotated)).not.toContain(next.refresh_token);
  });

  it('deletes the session hash and its index entry on DELETE /sessions/:sid, and records the session id as revoked', async () => {
    const { id, email } = await newAccount(api.http);
    const caller = await loginWithAgent(api.http, email);
    const ended = await loginWithAgent(api.http, email);

    await api.http
      .delete(`/sessions/${sidOf(ended)}`)
      .set(bearer(caller.access_token))
      .expect(204);

    expect(await api.redis.exists(sessionKey(id, sidOf(ended)))).toBe(0);
    expect(await api.redis.zscore(indexKey(id), sidOf(ended))).toBeNull();
    expect(await api.redis.exists(keys().revokedSession(id, sidOf(ended)))).toBe(1);
    expect(await api.redis.exists(sessionKey(id, sidOf(caller)))).toBe(1);
  });

  it('removes every session key of the user on logout-all and revokes each session id instead', async () => {
    const { id, email } = await newAccount(api.http);
    const first = await loginWithAgent(api.http, email);
    const second = await loginWithAgent(api.http, email);

    await api.http.post('/logout-all').set(bearer(first.access_token)).expect(204);

    expect(await api.redis.keys(`${keys().sessionPrefix(id)}*`)).toEqual([]);
    expect(await api.redis.zcard(indexKey(id))).toBe(0);
    for (const tokens of [first, second]) {
      expect(await api.redis.exists(keys().revokedSession(id, sidOf(tokens)))).toBe(1);
    }
  });
});
