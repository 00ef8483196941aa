import { randomBytes } from 'node:crypto';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { RedisSessionStore } from '../src/sessions/redis-session.store.js';
import {
  CLIENT,
  basic,
  expectNoStore,
  expiredCopy,
  introspection,
  oauthClientsSetting,
  oauthPost,
  resigned,
  revokeToken,
} from './support/oauth-client.js';
import { describeOAuthJourneys } from './support/oauth-journeys.js';
import { describeOAuthLibraryJourneys } from './support/oauth-library-journeys.js';
import { describeOAuthThrottlingJourneys } from './support/oauth-throttling-journeys.js';
import { usePrivateRedis } from './support/private-redis.js';
import {
  claimsOf,
  forgeRefreshToken,
  loginWithAgent,
  newAccount,
  rotate,
  type TokenPair,
} from './support/session-client.js';
import { createTestApp, stateKeys, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

const redisJourneys = { storeName: 'Redis', expectedStore: RedisSessionStore, createApp: createTestApp };
describeOAuthJourneys(redisJourneys);
describeOAuthLibraryJourneys(redisJourneys);
describeOAuthThrottlingJourneys(redisJourneys);

async function newPair(http: TestApp['http']): Promise<TokenPair> {
  const { email } = await newAccount(http);
  return loginWithAgent(http, email);
}

describe('OAuth endpoints and what they write to Redis', () => {
  const api = useApp(createTestApp, { OAUTH_CLIENTS: oauthClientsSetting() });

  /** Every key of the app with its value and expiry, and the audit stream's length: the whole visible state. */
  async function snapshot(): Promise<unknown[]> {
    const { redis, keyPrefix } = api();
    const keys = await stateKeys(api());
    const entries = await Promise.all(
      keys.map(async (key) => [key, await redis.type(key), await redis.pexpiretime(key), await redis.dump(key)]),
    );
    return [...entries, await redis.xlen(`${keyPrefix}audit`)];
  }

  it('revokes an access token with the entries POST /logout writes: its jti and its session, until they expire', async () => {
    const { http, redis, keyPrefix } = api();
    const revoked = await newPair(http);
    const loggedOut = await newPair(http);

    await revokeToken(http, revoked.access_token);
    await http.post('/logout').set('Authorization', `Bearer ${loggedOut.access_token}`).expect(204);

    const entriesOf = async (pair: TokenPair) => {
      const { sub, jti, sid } = claimsOf(pair.access_token);
      const keys = new RedisKeys(keyPrefix);
      const jtiKey = keys.revokedToken(sub, jti);
      const sidKey = keys.revokedSession(sub, sid);
      const sessionKey = keys.session(sub, sid);
      return {
        jti: await redis.get(jtiKey),
        jtiExpiresAt: (await redis.pexpiretime(jtiKey)) - claimsOf(pair.access_token).exp * 1000,
        sid: await redis.get(sidKey),
        session: await redis.exists(sessionKey),
      };
    };
    // Past its exp: the clock tolerance (5 s), and once more for the skew between an instance and Redis.
    expect(await entriesOf(revoked)).toEqual({ jti: '1', jtiExpiresAt: 10_000, sid: '1', session: 0 });
    expect(await entriesOf(revoked)).toEqual(await entriesOf(loggedOut));
  });

  it('writes nothing for tokens that are not live, nor when it introspects anything', async () => {
    const { http } = api();
    const pair = await newPair(http);
    const replaced = await newPair(http);
    await rotate(http, replaced.refresh_token);
    const before = await snapshot();

    for (const token of [
      'garbage',
      randomBytes(84).toString('base64url'),
      expiredCopy(pair.access_token),
      resigned(pair.access_token, randomBytes(32).toString('hex')),
      forgeRefreshToken(pair, 0),
      forgeRefreshToken(pair, 1),
      replaced.refresh_token,
    ]) {
      await revokeToken(http, token);
      expect(await introspection(http, token)).toEqual({ active: false });
    }
    expect(await introspection(http, pair.access_token)).toMatchObject({ active: true });
    expect(await introspection(http, pair.refresh_token)).toMatchObject({ active: true });

    expect(await snapshot()).toEqual(before);
  });

  it('answers a form body holding __proto__ with a 400 and writes nothing', async () => {
    const { http } = api();
    const pair = await newPair(http);
    const before = await snapshot();

    const response = await http.post('/oauth/revoke').type('form').send(`token=${pair.access_token}&__proto__=x`);

    expect(response.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });
});

describe('OAuth endpoints when Redis goes away (fail closed)', () => {
  const redis = usePrivateRedis();
  let api: TestApp;
  let pair: TokenPair;

  beforeAll(async () => {
    api = await createTestApp({ REDIS_URL: redis.url, OAUTH_CLIENTS: oauthClientsSetting() });
    pair = await newPair(api.http);
    await redis.crash();
  });

  afterAll(async () => {
    await api.close();
  });

  it.each([
    ['revoking an access token', '/oauth/revoke', () => pair.access_token],
    ['revoking a refresh token', '/oauth/revoke', () => pair.refresh_token],
    ['introspecting an access token', '/oauth/introspect', () => pair.access_token],
    ['introspecting a refresh token', '/oauth/introspect', () => pair.refresh_token],
  ] as const)('answers 503 with Retry-After when %s, never 200', async (_case, endpoint, token) => {
    const response = await oauthPost(api.http, endpoint, { fields: { token: token() }, authorization: basic(CLIENT) });

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The session store is unavailable; retry shortly',
    });
    expectNoStore(response);
  });

  it('answers 503 to a wrong client secret: the failure cannot be counted, so it is not answered as if it were', async () => {
    const response = await oauthPost(api.http, '/oauth/introspect', {
      fields: { token: pair.access_token },
      authorization: basic({ id: CLIENT.id, secret: `${CLIENT.secret}0` }),
    });

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers['www-authenticate']).toBeUndefined();
  });
});
