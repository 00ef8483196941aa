import { UsersService } from '../../../src/users/users.service.js';
import { bearer } from '../auth-client.js';
import { introspection, revokeToken } from '../oauth-client.js';
import {
  accessStatus,
  claimsOf,
  loginWithAgent,
  newAccount,
  refreshStatus,
  rotate,
  tokenStatuses,
} from '../session-client.js';
import { ALIVE, INACTIVE, NOT_LIVE_TOKENS, newPair, type JourneyApp } from './shared.js';

/** Introspection answers only {"active": false} for a token that is not live, however it stopped being live. */
export function itAnswersInactiveForDeadTokens(api: JourneyApp): void {
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
}
