import * as oauth from 'openid-client';
import { PASSWORD, uniqueEmail } from './auth-client.js';
import { CLIENT, expectNoStore, newClient, type OAuthClientCredentials } from './oauth-client.js';
import type { OAuthJourneyOptions } from './oauth-journeys.js';
import { freePort } from './redis-server.js';
import { claimsOf, loginWithAgent, newAccount, tokenStatuses, type TokenPair } from './session-client.js';
import type { TestApp } from './test-app.js';
import { useApp } from './use-app.js';

const METADATA_PATH = '/.well-known/oauth-authorization-server';

interface ListeningApp extends TestApp {
  /** `http://127.0.0.1:<port>`, where the app listens. */
  url: string;
  /** The same URL, which is also JWT_ISSUER (unless `setIssuer` was false). */
  issuer: string;
}

/**
 * An app listening on a loopback port, for clients that speak real HTTP. JWT_ISSUER is set to its URL before it
 * starts: the issuer is configuration, and must equal the URL an OAuth library discovers from.
 */
function useListeningApp(
  createApp: OAuthJourneyOptions['createApp'],
  env: Record<string, string>,
  { setIssuer = true } = {},
): () => ListeningApp {
  let url = '';
  const api = useApp(async (settings) => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const app = await createApp(setIssuer ? { ...settings, JWT_ISSUER: url } : settings);
    await app.app.listen(port, '127.0.0.1');
    return app;
  }, env);
  return () => ({ ...api(), url, issuer: url });
}

/** openid-client's view of the server, found by RFC 8414 discovery; http is allowed for the loopback test server. */
function discover(
  issuer: string,
  client: OAuthClientCredentials,
  method: 'basic' | 'post',
): Promise<oauth.Configuration> {
  const authentication =
    method === 'basic' ? oauth.ClientSecretBasic(client.secret) : oauth.ClientSecretPost(client.secret);
  return oauth.discovery(new URL(issuer), client.id, undefined, authentication, {
    algorithm: 'oauth2',
    execute: [oauth.allowInsecureRequests],
  });
}

/** What a rejected call threw. */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be rejected');
}

async function newPair(http: TestApp['http']): Promise<TokenPair> {
  const { email } = await newAccount(http);
  return loginWithAgent(http, email);
}

/**
 * RFC 8414 metadata, and the OAuth endpoints as an OAuth client library (openid-client) uses them: discovery, then
 * introspection and revocation through what it discovered, and the errors it can read.
 */
export function describeOAuthLibraryJourneys({ storeName, createApp }: OAuthJourneyOptions): void {
  describe(`OAuth endpoints through openid-client (${storeName} store)`, () => {
    describe('with JWT_ISSUER set to the URL the API is reached at', () => {
      const api = useListeningApp(createApp, { OAUTH_CLIENTS: `${CLIENT.id}:${CLIENT.secret}` });

      it('serves RFC 8414 metadata without authentication, cacheable, every URL built from JWT_ISSUER', async () => {
        const { http, issuer } = api();

        const response = await http.get(METADATA_PATH);

        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe('public, max-age=300');
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toEqual({
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          introspection_endpoint: `${issuer}/oauth/introspect`,
          introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          revocation_endpoint: `${issuer}/oauth/revoke`,
          revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
          response_types_supported: [],
          grant_types_supported: [],
          access_token_signing_alg_values_supported: ['HS256'],
          service_documentation: `${issuer}/docs`,
        });
      });

      it('issues tokens whose iss is the issuer the metadata names', async () => {
        const { http, issuer } = api();
        expect(claimsOf((await newPair(http)).access_token)).toMatchObject({ iss: issuer });
      });

      it.each(['basic', 'post'] as const)(
        'lets openid-client discover the server, then introspect and revoke through it (client_secret_%s)',
        async (method) => {
          const { http, issuer } = api();
          const pair = await newPair(http);

          const configuration = await discover(issuer, CLIENT, method);
          const { sub, sid } = claimsOf(pair.access_token);

          expect(configuration.serverMetadata()).toMatchObject({
            issuer,
            introspection_endpoint: `${issuer}/oauth/introspect`,
          });
          expect(await oauth.tokenIntrospection(configuration, pair.access_token)).toMatchObject({
            active: true,
            token_use: 'access_token',
            sub,
            sid,
            iss: issuer,
          });
          expect(await oauth.tokenIntrospection(configuration, pair.refresh_token)).toMatchObject({
            active: true,
            token_use: 'refresh_token',
          });

          await oauth.tokenRevocation(configuration, pair.refresh_token, { token_type_hint: 'refresh_token' });

          expect(await oauth.tokenIntrospection(configuration, pair.access_token)).toEqual({ active: false });
          expect(await oauth.tokenIntrospection(configuration, pair.refresh_token)).toEqual({ active: false });
          expect(await tokenStatuses(http, pair)).toEqual({ access: 401, refresh: 401 });
        },
      );

      it('lets openid-client read invalid_client for a wrong secret in the body (client_secret_post)', async () => {
        const { http, issuer } = api();
        const pair = await newPair(http);
        const configuration = await discover(issuer, { id: CLIENT.id, secret: newClient(CLIENT.id).secret }, 'post');

        for (const call of [
          oauth.tokenIntrospection(configuration, pair.access_token),
          oauth.tokenRevocation(configuration, pair.access_token),
        ]) {
          const error = await rejection(call);
          expect(error).toBeInstanceOf(oauth.ResponseBodyError);
          expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
        }
        expect(await tokenStatuses(http, pair)).toEqual({ access: 200, refresh: 200 });
      });

      it('gives openid-client the Basic challenge for a wrong secret over HTTP Basic (client_secret_basic)', async () => {
        const { http, issuer } = api();
        const pair = await newPair(http);
        const configuration = await discover(issuer, { id: CLIENT.id, secret: newClient(CLIENT.id).secret }, 'basic');

        const error = await rejection(oauth.tokenIntrospection(configuration, pair.access_token));

        expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
        expect(error).toMatchObject({
          status: 401,
          cause: [{ scheme: 'basic', parameters: { realm: 'oauth', charset: 'UTF-8' } }],
        });
      });
    });

    describe('with API_PREFIX', () => {
      const api = useListeningApp(createApp, { OAUTH_CLIENTS: `${CLIENT.id}:${CLIENT.secret}`, API_PREFIX: 'api/v1' });

      it('serves the metadata at the root and points at the routes under the prefix, the JWKS at the root', async () => {
        const { http, issuer } = api();

        const response = await http.get(METADATA_PATH).expect(200);

        expect(response.body).toMatchObject({
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          introspection_endpoint: `${issuer}/api/v1/oauth/introspect`,
          revocation_endpoint: `${issuer}/api/v1/oauth/revoke`,
          service_documentation: `${issuer}/api/v1/docs`,
        });
        expect((await http.get(`/api/v1${METADATA_PATH}`)).status).toBe(404);
        expect((await http.get((response.body as { jwks_uri: string }).jwks_uri.slice(issuer.length))).status).toBe(
          200,
        );
      });

      it('lets openid-client introspect and revoke under the prefix through what it discovered', async () => {
        const { http, issuer } = api();
        const email = uniqueEmail();
        await http.post('/api/v1/register').send({ email, password: PASSWORD }).expect(201);
        const login = await http.post('/api/v1/login').send({ email, password: PASSWORD }).expect(200);
        const { access_token: accessToken } = login.body as TokenPair;

        const configuration = await discover(issuer, CLIENT, 'basic');

        expect(await oauth.tokenIntrospection(configuration, accessToken)).toMatchObject({ active: true });
        await oauth.tokenRevocation(configuration, accessToken);
        expect(await oauth.tokenIntrospection(configuration, accessToken)).toEqual({ active: false });
        expect((await http.get('/api/v1/me').set('Authorization', `Bearer ${accessToken}`)).status).toBe(401);
      });

      it('sends Pragma: no-cache under the prefix, on refusals too: one of validation, one of the body parser', async () => {
        const { http } = api();
        for (const path of ['/api/v1/oauth/revoke', '/api/v1/oauth/introspect']) {
          const invalid = await http.post(path).type('form').send({ token: '' });
          expect({ path, status: invalid.status }).toEqual({ path, status: 400 });
          expectNoStore(invalid);
          const malformed = await http.post(path).set('content-type', 'application/json').send('{"token":');
          expect({ path, status: malformed.status }).toEqual({ path, status: 400 });
          expectNoStore(malformed);
        }
      });
    });

    describe('with JWT_ISSUER that is not a URL (the default)', () => {
      const api = useListeningApp(createApp, { OAUTH_CLIENTS: `${CLIENT.id}:${CLIENT.secret}` }, { setIssuer: false });

      it('answers 404 saying what to set, so discovery fails instead of finding a wrong issuer', async () => {
        const { http, url } = api();

        const response = await http.get(METADATA_PATH);

        expect({ status: response.status, body: response.body as unknown }).toEqual({
          status: 404,
          body: {
            statusCode: 404,
            error: 'Not Found',
            message:
              'No authorization server metadata: JWT_ISSUER is not a URL; set it to the public https URL of this API, e.g. https://auth.example.com',
          },
        });
        await expect(discover(url, CLIENT, 'basic')).rejects.toThrow(/unexpected HTTP response status code/);
      });
    });
  });
}
