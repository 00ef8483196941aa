import { CLIENT, basic, expectNoStore, introspection, oauthPost } from '../oauth-client.js';
import { DEFAULT_REFRESH_TTL_SECONDS, claimsOf, refreshStatus } from '../session-client.js';
import { newPair, type JourneyApp } from './shared.js';

/** Introspection of a live token answers the members of its claims, and looking does not rotate a refresh token. */
export function itDescribesLiveTokens(api: JourneyApp): void {
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
}
