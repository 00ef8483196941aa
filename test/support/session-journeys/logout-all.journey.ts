import { bearer } from '../auth-client.js';
import {
  accessStatus,
  claimsOf,
  listSessions,
  loginWithAgent,
  newAccount,
  refreshStatus,
  sidOf,
  tokenStatuses,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, type SessionJourneyOptions } from './shared.js';

/** POST /logout-all ends every session of the caller's user, down to a token minted in the same second. */
export function describeLogoutAll({ createApp }: SessionJourneyOptions): void {
  describe('POST /logout-all', () => {
    const api = useApp(createApp);

    it("ends every session of the caller's user, and no other user's", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const sessionA = await loginWithAgent(http, email, 'device-a');
      const sessionB = await loginWithAgent(http, email, 'device-b');
      const someoneElse = await newAccount(http);
      const otherUser = await loginWithAgent(http, someoneElse.email);

      const response = await http.post('/logout-all').set(bearer(sessionA.access_token)).expect(204);
      expect(response.text).toBe('');

      expect(await tokenStatuses(http, sessionA)).toEqual(ENDED);
      expect(await tokenStatuses(http, sessionB)).toEqual(ENDED);
      const fresh = await loginWithAgent(http, email, 'device-c');
      expect(await listSessions(http, fresh.access_token)).toEqual([
        expect.objectContaining({ sid: sidOf(fresh), userAgent: 'device-c', current: true }),
      ]);
      expect(await accessStatus(http, otherUser.access_token)).toBe(200);
      expect(await refreshStatus(http, otherUser.refresh_token)).toBe(200);
    });

    it('refuses a token minted earlier in the same second, and accepts a login right after it', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const rounds: { before: number; after: number; afterRotates: number }[] = [];
      let sameSecondSeen = false;

      // Retried (at most 10 times) until the tokens before and after the mark share their `iat` second.
      for (let attempt = 0; attempt < 10 && !sameSecondSeen; attempt += 1) {
        const before = await loginWithAgent(http, email);
        await http.post('/logout-all').set(bearer(before.access_token)).expect(204);
        const after = await loginWithAgent(http, email);
        sameSecondSeen = claimsOf(before.access_token).iat === claimsOf(after.access_token).iat;
        rounds.push({
          before: await accessStatus(http, before.access_token),
          after: await accessStatus(http, after.access_token),
          afterRotates: await refreshStatus(http, after.refresh_token),
        });
      }

      expect(sameSecondSeen).toBe(true);
      expect(rounds).toEqual(rounds.map(() => ({ before: 401, after: 200, afterRotates: 200 })));
    });
  });
}
