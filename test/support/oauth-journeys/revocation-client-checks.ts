import { MAX_BODY_DEPTH } from '../../../src/common/pipes/body-depth.pipe.js';
import { CLIENT, ENCODED_CLIENT, basic, type ClientAuth, expectOAuthError, oauthPost } from '../oauth-client.js';
import { tokenStatuses } from '../session-client.js';
import { ALIVE, ENDED, newPair, type JourneyApp } from './shared.js';

/** POST /oauth/revoke authenticates the client (RFC 6749 §2.3) and refuses a malformed request before it revokes. */
export function itChecksTheRevokingClientAndRequest(api: JourneyApp): void {
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

  it('refuses a body nested deeper than the depth limit on both endpoints: BodyDepthPipe runs before their pipe', async () => {
    const { http } = api();
    let token: unknown = 'garbage';
    for (let depth = 0; depth < MAX_BODY_DEPTH + 2; depth++) token = { token };
    for (const endpoint of ['/oauth/revoke', '/oauth/introspect']) {
      const response = await http
        .post(endpoint)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ token }));
      expectOAuthError(response, 400, 'invalid_request');
      expect({ endpoint, body: response.body as unknown }).toMatchObject({
        endpoint,
        body: { error_description: `The request body is nested deeper than ${MAX_BODY_DEPTH} levels` },
      });
    }
  });
}
