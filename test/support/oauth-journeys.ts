import { randomBytes } from 'node:crypto';
import { SessionStore } from '../../src/sessions/session-store.js';
import { UsersService } from '../../src/users/users.service.js';
import { bearer } from './auth-client.js';
import {
  CLIENT,
  ENCODED_CLIENT,
  basic,
  expectNoStore,
  type ClientAuth,
  expectOAuthError,
  expiredCopy,
  introspection,
  newClient,
  oauthClientsSetting,
  oauthPost,
  type OAuthClientCredentials,
  resigned,
  revokeToken,
} from './oauth-client.js';
import {
  DEFAULT_REFRESH_TTL_SECONDS,
  accessStatus,
  claimsOf,
  forgeRefreshToken,
  loginWithAgent,
  newAccount,
  refreshStatus,
  rotate,
  tokenStatuses,
  type TokenPair,
} from './session-client.js';
// Type only: importing test-app.js at runtime would pick the Redis-or-memory store before the caller chose it.
import type { TestApp } from './test-app.js';
import { useApp } from './use-app.js';

export interface OAuthJourneyOptions {
  /** Names the store in the suite's title. */
  storeName: string;
  /** The SessionStore adapter every app of the suite must be bound to. */
  expectedStore: abstract new (...args: never[]) => unknown;
  /** Builds one app with per-app environment overrides; called from `beforeAll`, one app at a time. */
  createApp: (env?: Record<string, string>) => Promise<TestApp>;
}

const ALIVE = { access: 200, refresh: 200 };
const ENDED = { access: 401, refresh: 401 };
const INACTIVE = { active: false };

/** Tokens that are not live tokens of this server, built from a real session's pair (which must stay untouched). */
const NOT_LIVE_TOKENS: [string, (pair: TokenPair) => string][] = [
  ['a garbage string', () => 'garbage'],
  ['random bytes shaped like a refresh token', () => randomBytes(84).toString('base64url')],
  ['an expired access token of the session', (pair) => expiredCopy(pair.access_token)],
  [
    "the session's access token signed with another key",
    (pair) => resigned(pair.access_token, randomBytes(32).toString('hex')),
  ],
  ["the session's refresh token forged with another key", (pair) => forgeRefreshToken(pair, 0)],
];

async function newPair(http: TestApp['http']): Promise<TokenPair> {
  const { email } = await newAccount(http);
  return loginWithAgent(http, email);
}

/**
 * RFC 7009 revocation and RFC 7662 introspection journeys against the apps `createApp` builds. Each store's suite
 * calls this once, so both stores answer to the same assertions.
 */
export function describeOAuthJourneys({ storeName, expectedStore, createApp }: OAuthJourneyOptions): void {
  describe(`OAuth endpoints (${storeName} store)`, () => {
    describe('POST /oauth/revoke (RFC 7009)', () => {
      const api = useApp(createApp, { OAUTH_CLIENTS: oauthClientsSetting() });

      it(`runs on the ${storeName} session store`, () => {
        expect(api().app.get(SessionStore)).toBeInstanceOf(expectedStore);
      });

      it('revokes an access token sent as a form: /me refuses it and the refresh token of its session is dead', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const bystander = await newPair(http);

        const response = await oauthPost(http, '/oauth/revoke', { fields: { token: pair.access_token } });

        expect(response.status).toBe(200);
        expect(response.text).toBe('');
        expectNoStore(response);
        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
        expect(await tokenStatuses(http, bystander)).toEqual(ALIVE);
      });

      it('revokes a refresh token sent as JSON: its session ends, and with it the access tokens of the grant', async () => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/revoke', {
          fields: { token: pair.refresh_token, token_type_hint: 'refresh_token' },
          as: 'json',
        });

        expect(response.status).toBe(200);
        expectNoStore(response);
        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });

      it.each([
        ['an access token hinted as a refresh token', (pair: TokenPair) => pair.access_token, 'refresh_token'],
        ['a refresh token hinted as an access token', (pair: TokenPair) => pair.refresh_token, 'access_token'],
        ['an access token with an unregistered hint', (pair: TokenPair) => pair.access_token, 'id_token'],
        ['a refresh token with an unregistered hint', (pair: TokenPair) => pair.refresh_token, 'pct'],
      ])('revokes %s: the hint only orders the lookup', async (_case, tokenOf, hint) => {
        const { http } = api();
        const pair = await newPair(http);

        await revokeToken(http, tokenOf(pair), hint);

        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });

      it.each(NOT_LIVE_TOKENS)('answers 200 for %s and revokes nothing', async (_case, forge) => {
        const { http } = api();
        const pair = await newPair(http);

        await revokeToken(http, forge(pair));
        await revokeToken(http, forge(pair), 'refresh_token');

        expect(await tokenStatuses(http, pair)).toEqual(ALIVE);
      });

      it('answers 200 for a refresh token already replaced by rotation, and the session carries on', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const next = await rotate(http, pair.refresh_token);

        await revokeToken(http, pair.refresh_token);

        expect(await tokenStatuses(http, next)).toEqual(ALIVE);
      });

      it('answers 200 again for a token it already revoked', async () => {
        const { http } = api();
        const pair = await newPair(http);
        await revokeToken(http, pair.access_token);

        await revokeToken(http, pair.access_token);
        await revokeToken(http, pair.refresh_token);

        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });

      it.each<[string, ClientAuth]>([
        ['HTTP Basic', { authorization: basic(CLIENT) }],
        ['HTTP Basic with form-url-encoded id and secret', { authorization: basic(ENCODED_CLIENT) }],
        ['client_id and client_secret in the body', { body: { client_id: CLIENT.id, client_secret: CLIENT.secret } }],
        ['a public client naming itself with client_id only', { body: { client_id: 'spa-frontend' } }],
      ])('revokes for a client authenticated with %s', async (_case, { authorization, body }) => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/revoke', {
          fields: { token: pair.access_token, ...body },
          authorization,
        });

        expect(response.status).toBe(200);
        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });

      it.each<[string, ClientAuth]>([
        ['a wrong secret over HTTP Basic', { authorization: basic({ id: CLIENT.id, secret: ENCODED_CLIENT.secret }) }],
        ['an unknown client over HTTP Basic', { authorization: basic({ id: 'nobody', secret: CLIENT.secret }) }],
        [
          'the unencoded secret of a client whose secret needs encoding',
          { authorization: `Basic ${Buffer.from(`${ENCODED_CLIENT.id}:${ENCODED_CLIENT.secret}`).toString('base64')}` },
        ],
        ['a bearer token instead of client credentials', { authorization: 'Bearer some-token' }],
        ['a Basic header that is not base64', { authorization: 'Basic ???' }],
      ])(
        'refuses %s with 401 invalid_client and the Basic challenge, and revokes nothing',
        async (_case, { authorization }) => {
          const { http } = api();
          const pair = await newPair(http);

          const response = await oauthPost(http, '/oauth/revoke', {
            fields: { token: pair.access_token },
            authorization,
          });

          expectOAuthError(response, 401, 'invalid_client', { challenged: true });
          expect(await tokenStatuses(http, pair)).toEqual(ALIVE);
        },
      );

      it.each<[string, Record<string, string>]>([
        ['a wrong secret in the body', { client_id: CLIENT.id, client_secret: `${CLIENT.secret}0` }],
        ['a configured client without its secret', { client_id: CLIENT.id }],
      ])(
        'refuses %s with 401 invalid_client without a challenge (RFC 6749 §5.2), and revokes nothing',
        async (_case, body) => {
          const { http } = api();
          const pair = await newPair(http);

          const response = await oauthPost(http, '/oauth/revoke', { fields: { token: pair.access_token, ...body } });

          expectOAuthError(response, 401, 'invalid_client', { challenged: false });
          expect(await tokenStatuses(http, pair)).toEqual(ALIVE);
        },
      );

      it.each([
        ['no token', {}],
        ['an empty token', { token: '' }],
        ['an unknown parameter', { token: 'garbage', scope: 'all' }],
        ['client_secret without client_id', { token: 'garbage', client_secret: CLIENT.secret }],
      ])('refuses %s with 400 invalid_request', async (_case, fields) => {
        const { http } = api();
        for (const as of ['form', 'json'] as const) {
          expectOAuthError(await oauthPost(http, '/oauth/revoke', { fields, as }), 400, 'invalid_request');
        }
      });

      it('refuses both client authentication methods at once with 400 invalid_request and revokes nothing', async () => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/revoke', {
          fields: { token: pair.access_token, client_id: CLIENT.id, client_secret: CLIENT.secret },
          authorization: basic(CLIENT),
        });

        expectOAuthError(response, 400, 'invalid_request');
        expect(await tokenStatuses(http, pair)).toEqual(ALIVE);
      });
    });

    describe('POST /oauth/introspect (RFC 7662)', () => {
      const api = useApp(createApp, { OAUTH_CLIENTS: oauthClientsSetting() });

      it('describes a live access token with the members of its claims', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const claims = claimsOf(pair.access_token) as unknown as Record<string, unknown>;

        const response = await oauthPost(http, '/oauth/introspect', {
          fields: { token: pair.access_token },
          authorization: basic(CLIENT),
        });

        expect(response.status).toBe(200);
        expectNoStore(response);
        expect(response.body).toEqual({
          active: true,
          token_use: 'access_token',
          token_type: 'Bearer',
          sub: claims.sub,
          sid: claims.sid,
          jti: claims.jti,
          iat: claims.iat,
          exp: claims.exp,
          iss: 'revocable-jwt-api',
          aud: 'revocable-jwt-api',
          roles: ['user'],
        });
      });

      it('describes a live refresh token without rotating it: it still refreshes afterwards', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const { sub, sid } = claimsOf(pair.access_token);

        const first = await introspection(http, pair.refresh_token, 'refresh_token');
        const second = await introspection(http, pair.refresh_token);

        expect(first).toEqual({
          active: true,
          token_use: 'refresh_token',
          sub,
          sid,
          iat: expect.any(Number),
          exp: expect.any(Number),
          iss: 'revocable-jwt-api',
        });
        expect(second).toEqual(first);
        expect((first.exp as number) - (first.iat as number)).toBe(DEFAULT_REFRESH_TTL_SECONDS);
        expect(first.iat).toBe(claimsOf(pair.access_token).iat);
        expect(await refreshStatus(http, pair.refresh_token)).toBe(200);
      });

      it.each<[string, ClientAuth, 'form' | 'json']>([
        ['HTTP Basic, form body', { authorization: basic(CLIENT) }, 'form'],
        ['HTTP Basic with form-url-encoded id and secret, JSON body', { authorization: basic(ENCODED_CLIENT) }, 'json'],
        [
          'client_id and client_secret in a form body',
          { body: { client_id: CLIENT.id, client_secret: CLIENT.secret } },
          'form',
        ],
        [
          'client_id and client_secret in a JSON body',
          { body: { client_id: ENCODED_CLIENT.id, client_secret: ENCODED_CLIENT.secret } },
          'json',
        ],
      ])('authenticates a client with %s', async (_case, { authorization, body }, as) => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/introspect', {
          fields: { token: pair.access_token, ...body },
          authorization,
          as,
        });

        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ active: true, token_use: 'access_token' });
      });

      // RFC 6749 §5.2: the challenge answers the Authorization header (and tells a client that sent nothing how to
      // authenticate); a client that authenticated in the body gets its invalid_client without one.
      it.each<[string, ClientAuth, boolean]>([
        ['no credentials', {}, true],
        ['a public client naming itself with client_id only', { body: { client_id: 'spa-frontend' } }, false],
        ['a configured client without its secret', { body: { client_id: CLIENT.id } }, false],
        [
          'a wrong secret over HTTP Basic',
          { authorization: basic({ id: CLIENT.id, secret: ENCODED_CLIENT.secret }) },
          true,
        ],
        ['an unknown client over HTTP Basic', { authorization: basic({ id: 'nobody', secret: CLIENT.secret }) }, true],
        ['a wrong secret in the body', { body: { client_id: ENCODED_CLIENT.id, client_secret: CLIENT.secret } }, false],
        ['an unknown client in the body', { body: { client_id: 'nobody', client_secret: CLIENT.secret } }, false],
        ['a bearer token instead of client credentials', { authorization: 'Bearer some-token' }, true],
        [
          'a Basic header without a colon',
          { authorization: `Basic ${Buffer.from(CLIENT.id).toString('base64')}` },
          true,
        ],
      ])(
        'refuses %s with 401 invalid_client, challenged only over the Authorization header or without credentials',
        async (_case, { authorization, body }, challenged) => {
          const { http } = api();
          const pair = await newPair(http);

          const response = await oauthPost(http, '/oauth/introspect', {
            fields: { token: pair.access_token, ...body },
            authorization,
          });

          expectOAuthError(response, 401, 'invalid_client', { challenged });
          expect(JSON.stringify(response.body)).not.toContain(pair.access_token);
        },
      );

      it('refuses both client authentication methods at once with 400 invalid_request', async () => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/introspect', {
          fields: { token: pair.access_token, client_id: CLIENT.id, client_secret: CLIENT.secret },
          authorization: basic(CLIENT),
        });

        expectOAuthError(response, 400, 'invalid_request');
      });

      it('refuses a request without token with 400 invalid_request', async () => {
        const { http } = api();
        const response = await oauthPost(http, '/oauth/introspect', { fields: {}, authorization: basic(CLIENT) });
        expectOAuthError(response, 400, 'invalid_request');
      });

      it.each(NOT_LIVE_TOKENS)('answers only {"active": false} for %s', async (_case, forge) => {
        const { http } = api();
        const pair = await newPair(http);
        expect(await introspection(http, forge(pair))).toEqual(INACTIVE);
        expect(await introspection(http, forge(pair), 'refresh_token')).toEqual(INACTIVE);
      });

      it('answers inactive for both tokens of a session after POST /logout, and for neither before', async () => {
        const { http } = api();
        const pair = await newPair(http);
        expect(await introspection(http, pair.access_token)).toMatchObject({ active: true });
        expect(await introspection(http, pair.refresh_token)).toMatchObject({ active: true });

        await http.post('/logout').set(bearer(pair.access_token)).expect(204);

        expect(await introspection(http, pair.access_token)).toEqual(INACTIVE);
        expect(await introspection(http, pair.refresh_token)).toEqual(INACTIVE);
      });

      it('answers inactive for every token of every session of the user after POST /logout-all', async () => {
        const { http } = api();
        const { email } = await newAccount(http);
        const sessions = [await loginWithAgent(http, email), await loginWithAgent(http, email, 'other-device')];
        const bystander = await newPair(http);

        await http.post('/logout-all').set(bearer(sessions[0].access_token)).expect(204);

        for (const pair of sessions) {
          expect(await introspection(http, pair.access_token)).toEqual(INACTIVE);
          expect(await introspection(http, pair.refresh_token)).toEqual(INACTIVE);
        }
        expect(await introspection(http, bystander.access_token)).toMatchObject({ active: true });
      });

      it('answers inactive for a refresh token replaced by rotation, active for its successor', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const next = await rotate(http, pair.refresh_token);

        expect(await introspection(http, pair.refresh_token)).toEqual(INACTIVE);
        expect(await introspection(http, next.refresh_token)).toMatchObject({ active: true });
        // Looking at the replaced token is not reuse: the session lives on.
        expect(await tokenStatuses(http, next)).toEqual(ALIVE);
      });

      it('answers inactive for the refresh token of a disabled account, as POST /refresh would refuse it', async () => {
        const { app, http } = api();
        const pair = await newPair(http);
        expect(await introspection(http, pair.refresh_token)).toMatchObject({ active: true });

        // The moment an admin's disable has marked the account but not yet ended its sessions.
        await app.get(UsersService).update(claimsOf(pair.access_token).sub, { disabled: true });

        expect(await introspection(http, pair.refresh_token)).toEqual(INACTIVE);
        expect(await refreshStatus(http, pair.refresh_token)).toBe(401);
      });

      it('answers inactive for both tokens of a session after POST /oauth/revoke', async () => {
        const { http } = api();
        const pair = await newPair(http);

        await revokeToken(http, pair.refresh_token);

        expect(await introspection(http, pair.access_token)).toEqual(INACTIVE);
        expect(await introspection(http, pair.refresh_token)).toEqual(INACTIVE);
        expect(await accessStatus(http, pair.access_token)).toBe(401);
      });
    });

    describe.each([
      ['the default JWT_AUDIENCE', 'revocable-jwt-api'],
      ['JWT_AUDIENCE=orders-api', 'orders-api'],
    ])('POST /oauth/introspect and the audiences clients are bound to, with %s', (_case, audience) => {
      const ownApi = newClient('own-api');
      const ordersApi = newClient('orders-api');
      const revoker = newClient('revoker');
      const api = useApp(createApp, {
        JWT_AUDIENCE: audience,
        OAUTH_CLIENTS: [
          `${CLIENT.id}:${CLIENT.secret}`,
          `${ownApi.id}[revocable-jwt-api]:${ownApi.secret}`,
          `${ordersApi.id}[orders-api https://orders.example.com]:${ordersApi.secret}`,
          `${revoker.id}[]:${revoker.secret}`,
        ].join(','),
      });
      // What the setting above says: a client listing no audience is bound to JWT_AUDIENCE.
      const boundTo: Record<string, string[]> = {
        [CLIENT.id]: [audience],
        [ownApi.id]: ['revocable-jwt-api'],
        [ordersApi.id]: ['orders-api', 'https://orders.example.com'],
        [revoker.id]: [],
      };
      const sees = (client: OAuthClientCredentials) => boundTo[client.id].includes(audience);

      it('answers active only to the clients bound to the audience of the token and of its session', async () => {
        const { http } = api();
        const pair = await newPair(http);
        expect(claimsOf(pair.access_token)).toMatchObject({ aud: audience });

        const answers: Record<string, [unknown, unknown]> = {};
        for (const client of [CLIENT, ownApi, ordersApi, revoker]) {
          answers[client.id] = [
            (await introspection(http, pair.access_token, undefined, client)).active,
            (await introspection(http, pair.refresh_token, 'refresh_token', client)).active,
          ];
        }

        expect(answers).toEqual(
          Object.fromEntries(
            [CLIENT, ownApi, ordersApi, revoker].map((client) => [client.id, [sees(client), sees(client)]]),
          ),
        );
        expect(await tokenStatuses(http, pair)).toEqual(ALIVE);
      });

      it('tells a client of another audience exactly what it tells anyone of a dead token', async () => {
        const { http } = api();
        const pair = await newPair(http);
        const stranger = sees(ownApi) ? ordersApi : ownApi;

        expect(await introspection(http, pair.access_token, undefined, stranger)).toEqual(INACTIVE);
        expect(await introspection(http, pair.refresh_token, undefined, stranger)).toEqual(INACTIVE);
        expect(await introspection(http, pair.access_token, undefined, revoker)).toEqual(INACTIVE);
      });

      it('lets a client bound to no audience revoke: the binding limits what introspection tells, not revocation', async () => {
        const { http } = api();
        const pair = await newPair(http);

        const response = await oauthPost(http, '/oauth/revoke', {
          fields: { token: pair.refresh_token },
          authorization: basic(revoker),
        });

        expect(response.status).toBe(200);
        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });
    });

    describe('POST /oauth/introspect without OAUTH_CLIENTS', () => {
      const api = useApp(createApp);

      it.each([
        ['no credentials', undefined],
        ['credentials that would be valid elsewhere', basic(CLIENT)],
      ])('refuses %s with 401 invalid_client', async (_case, authorization) => {
        const { http } = api();
        const pair = await newPair(http);
        const response = await oauthPost(http, '/oauth/introspect', {
          fields: { token: pair.access_token },
          authorization,
        });
        expectOAuthError(response, 401, 'invalid_client');
      });

      it('still revokes for public clients', async () => {
        const { http } = api();
        const pair = await newPair(http);
        await revokeToken(http, pair.access_token);
        expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      });
    });
  });
}
