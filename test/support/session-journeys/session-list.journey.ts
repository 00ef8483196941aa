import {
  isIsoTimestamp,
  listSessions,
  loginWithAgent,
  newAccount,
  rotate,
  sidOf,
  waitUntilPast,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import type { SessionJourneyOptions } from './shared.js';

/** GET /sessions lists the caller's own live sessions, marks the current one, and keeps lastUsedAt up to date. */
export function describeSessionList({ createApp }: SessionJourneyOptions): void {
  describe('GET /sessions', () => {
    const api = useApp(createApp);

    it("lists each of the caller's live sessions with its User-Agent and ISO timestamps, the caller's own as current", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const laptop = await loginWithAgent(http, email, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
      const phone = await loginWithAgent(http, email, 'MyApp/2.3 (iPhone; iOS 19.0)');
      const stranger = await newAccount(http);
      await loginWithAgent(http, stranger.email, 'not-listed');

      const sessions = await listSessions(http, laptop.access_token);

      expect(sessions).toHaveLength(2);
      expect(Object.fromEntries(sessions.map((session) => [session.sid, session.userAgent]))).toEqual({
        [sidOf(laptop)]: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        [sidOf(phone)]: 'MyApp/2.3 (iPhone; iOS 19.0)',
      });
      for (const session of sessions) {
        expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'lastUsedAt', 'sid', 'userAgent']);
        expect(isIsoTimestamp(session.createdAt)).toBe(true);
        expect(isIsoTimestamp(session.lastUsedAt)).toBe(true);
      }
      expect(sessions.filter((session) => session.current).map((session) => session.sid)).toEqual([sidOf(laptop)]);
      const fromPhone = await listSessions(http, phone.access_token);
      expect(fromPhone.filter((session) => session.current).map((session) => session.sid)).toEqual([sidOf(phone)]);
    });

    it('moves lastUsedAt forward when the session is refreshed, and only for that session', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const used = await loginWithAgent(http, email, 'used');
      const idle = await loginWithAgent(http, email, 'idle');
      const bySid = async (accessToken: string) =>
        Object.fromEntries((await listSessions(http, accessToken)).map((session) => [session.sid, session]));
      const before = await bySid(used.access_token);

      await waitUntilPast(Date.parse(before[sidOf(used)].lastUsedAt));
      const refreshed = await rotate(http, used.refresh_token);
      const after = await bySid(refreshed.access_token);

      expect(Date.parse(after[sidOf(used)].lastUsedAt)).toBeGreaterThan(Date.parse(before[sidOf(used)].lastUsedAt));
      expect(after[sidOf(used)].createdAt).toBe(before[sidOf(used)].createdAt);
      expect(after[sidOf(idle)]).toEqual({ ...before[sidOf(idle)] });
    });
  });
}
