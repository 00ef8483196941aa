import { CLIENT, ENCODED_CLIENT, basic, type ClientAuth, expectOAuthError, oauthPost } from '../oauth-client.js';
import { newPair, type JourneyApp } from './shared.js';

/** Introspection answers only a client that authenticated (RFC 7662 §2.1), and a well-formed request. */
export function itAnswersOnlyAuthenticatedClients(api: JourneyApp): void {
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
    ['a Basic header without a colon', { authorization: `Basic ${Buffer.from(CLIENT.id).toString('base64')}` }, true],
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
}
