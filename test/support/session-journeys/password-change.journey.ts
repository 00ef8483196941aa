import { PASSWORD } from '../auth-client.js';
import {
  accessStatus,
  changePassword,
  listSessions,
  loginWithAgent,
  newAccount,
  refreshStatus,
  rotate,
  sidOf,
  tokenStatuses,
  type TokenPair,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, expectJsonError, type SessionJourneyOptions } from './shared.js';

/** POST /me/password swaps the password and leaves the user one fresh session: every older one ends. */
export function describePasswordChange({ createApp }: SessionJourneyOptions): void {
  describe('POST /me/password', () => {
    const api = useApp(createApp);

    const NEW_PASSWORD = 'an entirely new passphrase';

    it('answers the tokens of one fresh session, and ends every older session of the user', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email, 'laptop');
      const otherDevice = await loginWithAgent(http, email, 'phone');
      const beforeChange = await rotate(http, otherDevice.refresh_token);

      const response = await changePassword(http, caller.access_token, PASSWORD, NEW_PASSWORD)
        .set('User-Agent', 'laptop after the change')
        .expect(200);
      const fresh = response.body as TokenPair;

      expect(fresh).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{112}$/),
        refresh_expires_in: expect.any(Number),
      });
      expect(sidOf(fresh)).not.toBe(sidOf(caller));
      expect(await accessStatus(http, fresh.access_token)).toBe(200);
      expect(await listSessions(http, fresh.access_token)).toEqual([
        expect.objectContaining({ sid: sidOf(fresh), userAgent: 'laptop after the change', current: true }),
      ]);
      for (const old of [caller, otherDevice]) {
        expect(await accessStatus(http, old.access_token)).toBe(401);
      }
      expect(await tokenStatuses(http, beforeChange)).toEqual(ENDED);
      expect(await refreshStatus(http, caller.refresh_token)).toBe(401);
      expect(await refreshStatus(http, fresh.refresh_token)).toBe(200);
    });

    it('lets the new password log in, and no longer the old one', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email);

      await changePassword(http, caller.access_token, PASSWORD, NEW_PASSWORD).expect(200);

      await http.post('/login').send({ email, password: PASSWORD }).expect(401);
      const relogin = await loginWithAgent(http, email, 'after-change', NEW_PASSWORD);
      expect(await accessStatus(http, relogin.access_token)).toBe(200);
    });

    it('refuses a wrong current password with a JSON 401, and changes nothing', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email);

      expectJsonError(await changePassword(http, caller.access_token, 'not the password', NEW_PASSWORD), 401);

      expect(await accessStatus(http, caller.access_token)).toBe(200);
      await http.post('/login').send({ email, password: NEW_PASSWORD }).expect(401);
      await loginWithAgent(http, email, 'still-old-password', PASSWORD);
      expect(await refreshStatus(http, caller.refresh_token)).toBe(200);
    });
  });
}
