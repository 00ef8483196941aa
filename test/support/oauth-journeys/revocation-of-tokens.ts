import { expectNoStore, oauthPost, revokeToken } from '../oauth-client.js';
import { rotate, tokenStatuses, type TokenPair } from '../session-client.js';
import { ALIVE, ENDED, NOT_LIVE_TOKENS, newPair, type JourneyApp } from './shared.js';

/**
 * Revoking either token of a session ends the whole session, whatever the hint says; a token that is not live (or no
 * longer is) changes nothing, and still gets its 200.
 */
export function itRevokesTheSessionATokenNames(api: JourneyApp): void {
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
}
