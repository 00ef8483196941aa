import { RedisKeys } from '../src/redis/redis-keys.js';
import { RedisSessionStore } from '../src/sessions/redis-session.store.js';
import { bearer } from './support/auth-client.js';
import { loginWithAgent, newAccount, rotate, sidOf } from './support/session-client.js';
import { describeSessionJourneys } from './support/session-journeys.js';
import { createTestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

describeSessionJourneys({
  storeName: 'Redis',
  expectedStore: RedisSessionStore,
  createApp: (env) => createTestApp(env),
});

describe('what the Redis session store keeps', () => {
  const app = useApp(createTestApp);

  const keys = () => new RedisKeys(app().keyPrefix);
  const sessionKey = (userId: string, sid: string) => keys().session(userId, sid);
  const indexKey = (userId: string) => keys().sessions(userId);

  it('keeps one hash per session until its last access token ends, holding a hash of the token and never the token', async () => {
    const { id, email } = await newAccount(app().http);
    const login = await loginWithAgent(app().http, email, 'redis-inspector');
    const key = sessionKey(id, sidOf(login));

    const stored = await app().redis.hgetall(key);
    expect(stored).toEqual(expect.objectContaining({ ua: 'redis-inspector', gen: '0' }));
    expect(Object.values(stored)).not.toContain(login.refresh_token);
    // Its refresh expiry, then one access token's lifetime (15 min) and twice the clock tolerance (5 s) more.
    const lastTokenEnds = Number(stored.refreshExp) + (15 * 60 + 2 * 5) * 1000;
    expect(await app().redis.pexpiretime(key)).toBe(lastTokenEnds);
    expect(await app().redis.zscore(indexKey(id), sidOf(login))).toBe(String(lastTokenEnds));

    const next = await rotate(app().http, login.refresh_token);
    const rotated = await app().redis.hgetall(key);
    expect(rotated.gen).toBe('1');
    expect(rotated.hash).not.toBe(stored.hash);
    expect(Object.values(rotated)).not.toContain(next.refresh_token);
  });

  it('deletes the session hash and its index entry on DELETE /sessions/:sid, and records the session id as revoked', async () => {
    const { id, email } = await newAccount(app().http);
    const caller = await loginWithAgent(app().http, email);
    const ended = await loginWithAgent(app().http, email);

    await app()
      .http.delete(`/sessions/${sidOf(ended)}`)
      .set(bearer(caller.access_token))
      .expect(204);

    expect(await app().redis.exists(sessionKey(id, sidOf(ended)))).toBe(0);
    expect(await app().redis.zscore(indexKey(id), sidOf(ended))).toBeNull();
    expect(await app().redis.exists(keys().revokedSession(id, sidOf(ended)))).toBe(1);
    expect(await app().redis.exists(sessionKey(id, sidOf(caller)))).toBe(1);
  });

  it('removes every session key of the user on logout-all and revokes each session id instead', async () => {
    const { id, email } = await newAccount(app().http);
    const first = await loginWithAgent(app().http, email);
    const second = await loginWithAgent(app().http, email);

    await app().http.post('/logout-all').set(bearer(first.access_token)).expect(204);

    expect(await app().redis.keys(`${keys().sessionPrefix(id)}*`)).toEqual([]);
    expect(await app().redis.zcard(indexKey(id))).toBe(0);
    for (const tokens of [first, second]) {
      expect(await app().redis.exists(keys().revokedSession(id, sidOf(tokens)))).toBe(1);
    }
  });
});
