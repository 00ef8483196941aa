import { CLIENT, basic, introspection, newClient, oauthPost, type OAuthClientCredentials } from '../oauth-client.js';
import { claimsOf, tokenStatuses } from '../session-client.js';
import { useApp } from '../use-app.js';
import { ALIVE, ENDED, INACTIVE, newPair, type OAuthJourneyOptions } from './shared.js';

/** A client bound to audiences learns only of the tokens meant for them; the binding never limits revocation. */
export function describeIntrospectionAudienceBinding({ createApp }: OAuthJourneyOptions): void {
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
}
