import { bearer } from '../auth-client.js';
import {
  accessStatus,
  listSessions,
  loginWithAgent,
  newAccount,
  refreshStatus,
  sidOf,
  tokenStatuses,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, type SessionJourneyOptions } from './shared.js';

/** POST /logout ends the caller's session, and only that one. */
export function describeLogout({ createApp }: SessionJourneyOptions): void {
  describe('POST /logout ends the session', () => {
    const api = useApp(createApp);

    it("refuses the session's refresh and access tokens afterwards, drops it from the list, and leaves the user's other session working", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const other = await loginWithAgent(http, email);
      const pair = await loginWithAgent(http, email);

      await http.post('/logout').set(bearer(pair.access_token)).expect(204);

      expect(await tokenStatuses(http, pair)).toEqual(ENDED);
      expect(await accessStatus(http, other.access_token)).toBe(200);
      expect((await listSessions(http, other.access_token)).map((session) => session.sid)).toEqual([sidOf(other)]);
      expect(await refreshStatus(http, other.refresh_token)).toBe(200);
    });
  });
}
