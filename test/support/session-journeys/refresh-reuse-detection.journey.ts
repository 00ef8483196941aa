import {
  accessStatus,
  forgeRefreshToken,
  listSessions,
  loginWithAgent,
  newAccount,
  refresh,
  refreshStatus,
  rotate,
  sidOf,
  tokenStatuses,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, expectJsonError, type SessionJourneyOptions } from './shared.js';

/**
 * A replaced refresh token that comes back ends its session, unless it comes back within REFRESH_REUSE_GRACE (a
 * client retrying a lost answer): then it gets its successor again.
 */
export function describeRefreshReuseDetection({ createApp }: SessionJourneyOptions): void {
  describe('refresh-token reuse detection with REFRESH_REUSE_GRACE=0', () => {
    const api = useApp(createApp, { REFRESH_REUSE_GRACE: '0' });

    it('ends the whole session when a replaced refresh token comes back, and only that session', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const bystander = await loginWithAgent(http, email, 'other-device');
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);

      expectJsonError(await refresh(http, first.refresh_token), 401);

      // The session is over: its current refresh token and every access token minted in it are refused.
      expect(await refreshStatus(http, second.refresh_token)).toBe(401);
      expect(await accessStatus(http, first.access_token)).toBe(401);
      expect(await accessStatus(http, second.access_token)).toBe(401);
      // The user's other session carries on, and the ended one is no longer listed.
      expect(await accessStatus(http, bystander.access_token)).toBe(200);
      expect((await listSessions(http, bystander.access_token)).map((session) => session.sid)).toEqual([
        sidOf(bystander),
      ]);
      expect(await refreshStatus(http, bystander.refresh_token)).toBe(200);
    });

    it("refuses a forged token naming an earlier generation of the session (another server's key) and keeps the session", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);

      // Were it taken for the replaced generation-0 token, reuse detection would end the session.
      expectJsonError(await refresh(http, forgeRefreshToken(second, 0)), 401);

      expect(await accessStatus(http, second.access_token)).toBe(200);
      expect(await refreshStatus(http, second.refresh_token)).toBe(200);
    });
  });

  describe('refresh-token reuse detection with the default grace (10 s)', () => {
    const api = useApp(createApp);

    it('gives a just-replaced refresh token its successor again and keeps the session', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);

      expect((await rotate(http, first.refresh_token)).refresh_token).toBe(second.refresh_token);

      expect(await accessStatus(http, first.access_token)).toBe(200);
      expect(await accessStatus(http, second.access_token)).toBe(200);
      const third = await rotate(http, second.refresh_token);
      expect(sidOf(third)).toBe(sidOf(first));
      expect(await accessStatus(http, third.access_token)).toBe(200);
      expect((await listSessions(http, third.access_token)).map((session) => session.sid)).toEqual([sidOf(first)]);
    });
  });

  describe('refresh-token reuse after the grace window (REFRESH_REUSE_GRACE=1s)', () => {
    const api = useApp(createApp, { REFRESH_REUSE_GRACE: '1s' });

    it('answers a retry within the window, then ends the session when the replaced token comes back after it', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);
      expect((await rotate(http, first.refresh_token)).refresh_token).toBe(second.refresh_token);

      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const reuse = await refresh(http, first.refresh_token);
      expectJsonError(reuse, 401);
      expect((reuse.body as { message: string }).message).toBe(
        'The refresh token was already used; the session has been ended',
      );
      expect(await tokenStatuses(http, second)).toEqual(ENDED);
    });
  });
}
