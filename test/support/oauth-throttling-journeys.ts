import type { Response } from 'supertest';
import { CLIENT, basic, expectNoStore, newClient, oauthPost, type OAuthEndpoint } from './oauth-client.js';
import type { OAuthJourneyOptions } from './oauth-journeys.js';
import { loginWithAgent, newAccount, type TokenPair } from './session-client.js';
import type { TestApp } from './test-app.js';
import { useApp } from './use-app.js';

const LIMIT = 3;
const WINDOW_SECONDS = 60;
const OTHER = newClient('reports-service');
// Behind a trusted proxy each test speaks from addresses of its own, so no test inherits another's count.
const LOOPBACK_PROXY = '127.0.0.1,::1,::ffff:127.0.0.1';
let lastAddress = 0;
const newAddress = () => `203.0.113.${++lastAddress}`;

type Credentials = { id: string; secret: string };
const wrong = (client: Credentials): Credentials => ({ id: client.id, secret: newClient(client.id).secret });

interface Attempt {
  endpoint?: OAuthEndpoint;
  via?: 'basic' | 'body';
  from: string;
}

async function newPair(http: TestApp['http']): Promise<TokenPair> {
  const { email } = await newAccount(http);
  return loginWithAgent(http, email);
}

/** One authentication attempt as `client`: a token request over HTTP Basic or with body credentials. */
function attempt(http: TestApp['http'], client: Credentials, token: string, options: Attempt) {
  const { endpoint = '/oauth/introspect', via = 'basic', from } = options;
  const request = oauthPost(http, endpoint, {
    fields: via === 'body' ? { token, client_id: client.id, client_secret: client.secret } : { token },
    authorization: via === 'basic' ? basic(client) : undefined,
  });
  return request.set('X-Forwarded-For', from);
}

function countStatuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function expectThrottled(response: Response): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual({
    status: 429,
    body: {
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many failed client authentications; retry later',
    },
  });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= WINDOW_SECONDS).toBe(true);
  // A challenge would make OAuth libraries report an authentication failure instead of the 429.
  expect(response.headers['www-authenticate']).toBeUndefined();
  expectNoStore(response);
}

/** Failed client authentications of the OAuth endpoints, throttled per client id and address. */
export function describeOAuthThrottlingJourneys({ storeName, createApp }: OAuthJourneyOptions): void {
  describe(`OAuth client authentication failures throttled (${storeName} store)`, () => {
    const api = useApp(createApp, {
      OAUTH_CLIENTS: `${CLIENT.id}:${CLIENT.secret},${OTHER.id}:${OTHER.secret}`,
      THROTTLE_OAUTH_CLIENT_LIMIT: String(LIMIT),
      THROTTLE_WINDOW: `${WINDOW_SECONDS}s`,
      TRUST_PROXY: LOOPBACK_PROXY,
    });

    it(`lets ${LIMIT} of 300 concurrent wrong secrets for one client from one address be 401s, and answers 429 to the rest`, async () => {
      const { http } = api();
      const pair = await newPair(http);
      const from = newAddress();

      const responses = await Promise.all(
        Array.from({ length: 300 }, () => attempt(http, wrong(CLIENT), pair.access_token, { from })),
      );

      const counts = countStatuses(responses);
      console.log(`300 concurrent wrong secrets, limit ${LIMIT}: ${JSON.stringify(counts)}`);
      expect(counts).toEqual({ 401: LIMIT, 429: 300 - LIMIT });
      expectThrottled(responses.find(({ status }) => status === 429) as Response);
    });

    it('refuses the blocked pair even its right secret, and nobody else: another client from that address, that client from another', async () => {
      const { http } = api();
      const pair = await newPair(http);
      const from = newAddress();
      for (let i = 0; i <= LIMIT; i++) await attempt(http, wrong(CLIENT), pair.access_token, { from });

      const rightSecret = await attempt(http, CLIENT, pair.access_token, { from });
      const otherClient = await attempt(http, OTHER, pair.access_token, { from });
      const otherAddress = await attempt(http, CLIENT, pair.access_token, { from: newAddress() });

      expectThrottled(rightSecret);
      expect([otherClient.status, otherClient.body]).toEqual([200, expect.objectContaining({ active: true })]);
      expect([otherAddress.status, otherAddress.body]).toEqual([200, expect.objectContaining({ active: true })]);
    });

    it('counts failures of both endpoints and both authentication methods together', async () => {
      const { http } = api();
      const pair = await newPair(http);
      const from = newAddress();
      const statuses: number[] = [];

      for (const options of [
        { endpoint: '/oauth/revoke', via: 'body', from },
        { endpoint: '/oauth/introspect', via: 'basic', from },
        { endpoint: '/oauth/revoke', via: 'basic', from },
        { endpoint: '/oauth/introspect', via: 'body', from },
      ] as const) {
        statuses.push((await attempt(http, wrong(CLIENT), pair.access_token, options)).status);
      }

      expect(statuses).toEqual([401, 401, 401, 429]);
    });

    it('counts an unknown client id exactly like a configured one, so the answers tell no ids apart', async () => {
      const { http } = api();
      const pair = await newPair(http);
      const statusesOf = async (client: Credentials) => {
        const from = newAddress();
        const statuses: number[] = [];
        for (let i = 0; i <= LIMIT; i++)
          statuses.push((await attempt(http, client, pair.access_token, { from })).status);
        return statuses;
      };

      const known = await statusesOf(wrong(CLIENT));
      const unknown = await statusesOf(newClient('no-such-client'));

      expect(unknown).toEqual(known);
      expect(known).toEqual([...Array<number>(LIMIT).fill(401), 429]);
    });

    it('never counts a successful authentication: a busy client is not throttled', async () => {
      const { http } = api();
      const pair = await newPair(http);
      const from = newAddress();
      const statuses: number[] = [];

      for (let i = 0; i < 4 * LIMIT; i++)
        statuses.push((await attempt(http, CLIENT, pair.access_token, { from })).status);
      for (let i = 0; i <= LIMIT; i++) {
        statuses.push((await attempt(http, wrong(CLIENT), pair.access_token, { from })).status);
      }

      expect(statuses).toEqual([...Array<number>(4 * LIMIT).fill(200), ...Array<number>(LIMIT).fill(401), 429]);
    });

    it('neither counts nor blocks requests that name no client: public revocation keeps working', async () => {
      const { http } = api();
      const from = newAddress();
      const statuses: number[] = [];

      for (let i = 0; i <= LIMIT; i++) {
        const response = await oauthPost(http, '/oauth/introspect', { fields: { token: 'x' } }).set(
          'X-Forwarded-For',
          from,
        );
        statuses.push(response.status);
      }
      const pair = await newPair(http);
      const revoked = await oauthPost(http, '/oauth/revoke', { fields: { token: pair.access_token } }).set(
        'X-Forwarded-For',
        from,
      );

      expect(statuses).toEqual(Array<number>(LIMIT + 1).fill(401));
      expect(revoked.status).toBe(200);
    });
  });
}
