import {
  DEFAULT_REFRESH_TTL_SECONDS,
  accessStatus,
  claimsOf,
  loginWithAgent,
  newAccount,
  refresh,
  refreshStatus,
  rotate,
  sidOf,
  type TokenPair,
} from '../session-client.js';
import { useApp } from '../use-app.js';
import { INVALID_REFRESH_TOKENS, expectJsonError, type SessionJourneyOptions } from './shared.js';

/** POST /refresh swaps a refresh token for a new pair in the same session, and refuses what it did not issue. */
export function describeRefreshRotation({ createApp }: SessionJourneyOptions): void {
  describe('POST /refresh rotates the refresh token', () => {
    const api = useApp(createApp);

    it('answers a new token pair for the same session: same sub and sid, new jti, new refresh token', async () => {
      const { http } = api();
      const { email, id } = await newAccount(http);
      const first = await loginWithAgent(http, email);

      const response = await refresh(http, first.refresh_token).expect(200);
      const second = response.body as TokenPair;

      expect(second).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{112}$/),
        refresh_expires_in: expect.any(Number),
      });
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      const before = claimsOf(first.access_token);
      const after = claimsOf(second.access_token);
      expect(after.sub).toBe(id);
      expect(after.sid).toBe(before.sid);
      expect(after.jti).not.toBe(before.jti);
      expect(await accessStatus(http, second.access_token)).toBe(200);
    });

    it('answers a retry of the refresh token it replaced with the same successor and a fresh access token', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);

      // The client whose answer was lost sends the old token again: it gets the very same new one.
      const retried = await rotate(http, first.refresh_token);
      expect(retried.refresh_token).toBe(second.refresh_token);
      expect(retried.access_token).not.toBe(second.access_token);
      expect(sidOf(retried)).toBe(sidOf(first));
      expect(await accessStatus(http, retried.access_token)).toBe(200);
      expect(await refreshStatus(http, second.refresh_token)).toBe(200);
    });

    it('does not revoke the access token minted before the refresh: it works until it expires', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const first = await loginWithAgent(http, email);
      const second = await rotate(http, first.refresh_token);

      expect(await accessStatus(http, first.access_token)).toBe(200);
      expect(await accessStatus(http, second.access_token)).toBe(200);
    });

    it('rotates each new refresh token again (three rotations in a row, all in one session)', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const login = await loginWithAgent(http, email);
      const chain = [login];
      for (let round = 0; round < 3; round += 1) chain.push(await rotate(http, chain[chain.length - 1].refresh_token));

      expect(new Set(chain.map((pair) => pair.refresh_token)).size).toBe(4);
      expect(new Set(chain.map((pair) => claimsOf(pair.access_token).jti)).size).toBe(4);
      expect(chain.map(sidOf)).toEqual(Array.from({ length: 4 }, () => sidOf(login)));
    });

    it('never hands out a refresh token for longer than JWT_REFRESH_TTL (7 days), on login or on refresh', async () => {
      const { http } = api();
      const { email } = await newAccount(http);
      const login = await loginWithAgent(http, email);
      const refreshed = await rotate(http, login.refresh_token);

      for (const pair of [login, refreshed]) {
        expect(pair.refresh_expires_in).toBeGreaterThan(DEFAULT_REFRESH_TTL_SECONDS - 60);
        expect(pair.refresh_expires_in).toBeLessThanOrEqual(DEFAULT_REFRESH_TTL_SECONDS);
      }
    });

    it.each(INVALID_REFRESH_TOKENS)(
      'refuses %s with a JSON 401 and leaves the session it names working',
      async (_case, forge) => {
        const { http } = api();
        const { email } = await newAccount(http);
        const pair = await loginWithAgent(http, email);

        expectJsonError(await refresh(http, forge(pair)), 401);

        expect(await accessStatus(http, pair.access_token)).toBe(200);
        expect(await refreshStatus(http, pair.refresh_token)).toBe(200);
      },
    );

    it('refuses a JSON body without refresh_token with a JSON 401 (not a 400)', async () => {
      const { http } = api();
      expectJsonError(await refresh(http, undefined), 401);
    });

    it('refuses a request with no body at all with a JSON 401 (not a 400)', async () => {
      const { http } = api();
      expectJsonError(await http.post('/refresh'), 401);
    });

    it('refuses a refresh_token that is not a string with a JSON 400', async () => {
      const { http } = api();
      expectJsonError(await http.post('/refresh').send({ refresh_token: 12345 }), 400);
    });
  });
}
