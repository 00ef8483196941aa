import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { SessionStore } from '../../src/sessions/session-store.js';
import { PASSWORD, bearer } from './auth-client.js';
import {
  DEFAULT_REFRESH_TTL_SECONDS,
  accessStatus,
  changePassword,
  claimsOf,
  endSession,
  forgeRefreshToken,
  isIsoTimestamp,
  listSessions,
  loginWithAgent,
  newAccount,
  raceRefresh,
  refresh,
  refreshStatus,
  rotate,
  sidOf,
  tokenStatuses,
  waitUntilPast,
  type TokenPair,
} from './session-client.js';
// Type only: importing test-app.js at runtime would pick the Redis-or-memory store before the caller chose it.
import type { TestApp } from './test-app.js';
import { useApp } from './use-app.js';

export interface SessionJourneyOptions {
  /** Names the store in the suite's title. */
  storeName: string;
  /** The SessionStore adapter every app of the suite must be bound to. */
  expectedStore: abstract new (...args: never[]) => unknown;
  /** Builds one app with per-app environment overrides; called from `beforeAll`, one app at a time. */
  createApp: (env?: Record<string, string>) => Promise<TestApp>;
}

const RACE_ROUNDS = 30;
const ENDED = { access: 401, refresh: 401 };

/** Refresh tokens the server did not issue as they are, built from a real session's token pair. */
const INVALID_REFRESH_TOKENS: [string, (pair: TokenPair) => string][] = [
  ['a garbage string', () => 'garbage'],
  ['an empty string', () => ''],
  ['a token with one character changed', (pair) => flipCharacter(pair.refresh_token, 40)],
  ['a token cut short by one character', (pair) => pair.refresh_token.slice(0, -1)],
  ['random bytes of the right length', () => randomBytes(84).toString('base64url')],
  [
    "a token for the same user, session and generation, signed with another server's key",
    (pair) => forgeRefreshToken(pair, 0),
  ],
  ['the access token', (pair) => pair.access_token],
];

function flipCharacter(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** Asserts a JSON error body that repeats the response's status. */
function expectJsonError(response: Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
}

/**
 * Every session journey (refresh rotation, reuse detection, the refresh race, logout, logout-all, password change,
 * the session list, ending one session, the per-user limit, unauthenticated calls), against the apps `createApp`
 * builds. Each store's suite calls this once, so both stores answer to the same assertions.
 */
export function describeSessionJourneys({ storeName, expectedStore, createApp }: SessionJourneyOptions): void {
  describe(`session journeys (${storeName} store)`, () => {
    describe('the apps', () => {
      const api = useApp(createApp);

      it(`bind the session store to the ${storeName} adapter`, () => {
        expect(api().app.get(SessionStore)).toBeInstanceOf(expectedStore);
      });
    });

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
        for (let round = 0; round < 3; round += 1)
          chain.push(await rotate(http, chain[chain.length - 1].refresh_token));

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

    describe('SESSIONS_PER_USER', () => {
      const api = useApp(createApp, { SESSIONS_PER_USER: '3' });

      it('with a limit of 3, a fourth login ends the oldest session (its access and refresh tokens refused)', async () => {
        const { http } = api();
        const { email } = await newAccount(http);
        const logins: TokenPair[] = [];
        for (let device = 1; device <= 4; device += 1)
          logins.push(await loginWithAgent(http, email, `device-${device}`));
        const [oldest, ...kept] = logins;

        const sessions = await listSessions(http, kept[2].access_token);

        expect(sessions.map((session) => session.sid).sort()).toEqual(kept.map(sidOf).sort());
        expect(await tokenStatuses(http, oldest)).toEqual(ENDED);
        for (const pair of kept) expect(await accessStatus(http, pair.access_token)).toBe(200);
      });
    });

    describe('routes that need a bearer token', () => {
      const api = useApp(createApp);

      it.each([
        ['POST', '/logout-all'],
        ['POST', '/me/password'],
        ['GET', '/sessions'],
        ['DELETE', '/sessions/6f1c0a3e-8a55-4d6e-9b2f-1c7e5d9a0b44'],
      ])('%s %s refuses a request without a token with a JSON 401 and a Bearer challenge', async (method, path) => {
        const { http } = api();
        const call =
          method === 'GET'
            ? http.get(path)
            : method === 'DELETE'
              ? http.delete(path)
              : http.post(path).send({ current_password: PASSWORD, new_password: 'whatever you like' });
        const response = await call;

        expectJsonError(response, 401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      });
    });
  });
}
