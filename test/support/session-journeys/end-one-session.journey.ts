import { randomUUID } from 'node:crypto';
import {
  accessStatus,
  endSession,
  listSessions,
  loginWithAgent,
  newAccount,
  refreshStatus,
  sidOf,
  tokenStatuses,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, expectJsonError, type SessionJourneyOptions } from './shared.js';

/** DELETE /sessions/:sid ends one session of the caller's own, and cannot reach another user's. */
export function describeEndOneSession({ createApp }: SessionJourneyOptions): void {
  describe('DELETE /sessions/:sid', () => {
    const api = useApp(createApp);

    it("ends that session (its access and refresh tokens refused) and leaves the caller's own session working", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email, 'caller');
      const lost = await loginWithAgent(http, email, 'lost-phone');

      const response = await endSession(http, caller.access_token, sidOf(lost)).expect(204);
      expect(response.text).toBe('');

      expect(await tokenStatuses(http, lost)).toEqual(ENDED);
      expect(await accessStatus(http, caller.access_token)).toBe(200);
      expect((await listSessions(http, caller.access_token)).map((session) => session.sid)).toEqual([sidOf(caller)]);
      expect(await refreshStatus(http, caller.refresh_token)).toBe(200);
    });

    it("answers 404 for another user's session id, and that session keeps working", async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email);
      const victim = await newAccount(http);
      const victimSession = await loginWithAgent(http, victim.email);

      expectJsonError(await endSession(http, caller.access_token, sidOf(victimSession)), 404);

      expect(await accessStatus(http, victimSession.access_token)).toBe(200);
      expect((await listSessions(http, victimSession.access_token)).map((session) => session.sid)).toEqual([
        sidOf(victimSession),
      ]);
      expect(await refreshStatus(http, victimSession.refresh_token)).toBe(200);
    });

    it('answers 404 for a session id that does not exist', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email);

      expectJsonError(await endSession(http, caller.access_token, randomUUID()), 404);
      expect(await accessStatus(http, caller.access_token)).toBe(200);
    });

    it('answers 400 for a session id that is not a UUID', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const caller = await loginWithAgent(http, email);

      expectJsonError(await endSession(http, caller.access_token, 'not-a-uuid'), 400);
      expect(await accessStatus(http, caller.access_token)).toBe(200);
    });
  });
}
