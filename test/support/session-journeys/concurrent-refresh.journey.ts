import {
  accessStatus,
  loginWithAgent,
  newAccount,
  raceRefresh,
  refreshStatus,
  type TokenPair,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import type { SessionJourneyOptions } from './shared.js';

const RACE_ROUNDS = 30;

/** Two refreshes racing with one refresh token (two tabs) both win, with the same successor: neither is reuse. */
export function describeConcurrentRefresh({ createApp }: SessionJourneyOptions): void {
  describe('two concurrent refreshes with the same refresh token (two tabs)', () => {
    const api = useApp(createApp);

    it(`both get the same new refresh token and working access tokens, ${RACE_ROUNDS} times in a row`, async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const rounds: {
        statuses: number[];
        sameRefreshToken: boolean;
        accesses: number[];
        successorRotates: number;
      }[] = [];

      for (let round = 0; round < RACE_ROUNDS; round += 1) {
        const login = await loginWithAgent(http, email);
        const responses = await raceRefresh(http, login.refresh_token);
        const pairs = responses.map((response) => response.body as TokenPair);
        rounds.push({
          statuses: responses.map((response) => response.status),
          sameRefreshToken: pairs[0].refresh_token === pairs[1].refresh_token,
          accesses: await Promise.all(pairs.map((pair) => accessStatus(http, pair.access_token))),
          successorRotates: await refreshStatus(http, pairs[0].refresh_token),
        });
      }

      expect(rounds).toEqual(
        Array.from({ length: RACE_ROUNDS }, () => ({
          statuses: [200, 200],
          sameRefreshToken: true,
          accesses: [200, 200],
          successorRotates: 200,
        })),
      );
    });
  });
}
