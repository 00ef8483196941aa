import {
  accessStatus,
  listSessions,
  loginWithAgent,
  newAccount,
  sidOf,
  tokenStatuses,
  type TokenPair,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, type SessionJourneyOptions } from './shared.js';

/** SESSIONS_PER_USER caps the live sessions of a user: a login past the cap ends the oldest one. */
export function describeSessionsPerUserLimit({ createApp }: SessionJourneyOptions): void {
  describe('SESSIONS_PER_USER', () => {
    const api = useApp(createApp, { SESSIONS_PER_USER: '3' });

    it('with a limit of 3, a fourth login ends the oldest session (its access and refresh tokens refused)', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const logins: TokenPair[] = [];
      for (let device = 1; device <= 4; device += 1) logins.push(await loginWithAgent(http, email, `device-${device}`));
      const [oldest, ...kept] = logins;

      const sessions = await listSessions(http, kept[2].access_token);

      expect(sessions.map((session) => session.sid).sort()).toEqual(kept.map(sidOf).sort());
      expect(await tokenStatuses(http, oldest)).toEqual(ENDED);
      for (const pair of kept) expect(await accessStatus(http, pair.access_token)).toBe(200);
    });
  });
}
