import { randomUUID } from 'node:crypto';
import type { ApiClient, Answer, TokenPair } from './support/api-client.js';
import { appEnv } from './support/app-process.js';
import { decodeClaims, uniqueEmail } from './support/auth-client.js';
import { testRedisUrl } from './support/redis-server.js';
import { RaceRunner, tokensOf } from './support/revocation-race.js';
import { TwoInstances } from './support/two-instances.js';

/**
 * DESIGN §3, "linearizable with minting", tested as a race: two real API processes on one Redis. In every round a
 * revocation goes to instance A and a request that mints tokens goes to instance B, the second sent a few ms
 * before or after the first (spread over both requests' durations, so that every interleaving is hit). Once the
 * revocation has answered, no token the racing request minted may work, on either instance, 150 ms later (past
 * the mirror's 100 ms bound): each such token is a survivor, and the count that matters is 0.
 *
 * A login that lands wholly after a logout-all (or an admin's revoke-sessions) is a new login and may stand; those
 * pairs are not raced. The one session a password change hands its own caller is the intended exception.
 */

const ROUNDS = 200;
/** Rounds run in this many parallel lanes, each on users of its own. */
const LANES = 8;
const SESSIONS_PER_USER = 3;
const PASSWORDS = ['first passphrase of the lane', 'second passphrase of the lane'];
describe('revocations raced by requests that mint tokens, across two instances', () => {
  const deployment = new TwoInstances();
  const prefix = `race${randomUUID().slice(0, 6)}:`;
  let a: ApiClient;
  let b: ApiClient;
  let adminToken: string;
  let races: RaceRunner;

  beforeAll(async () => {
    const env = appEnv({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      SESSIONS_PER_USER: String(SESSIONS_PER_USER),
    });
    ({ a, b, adminToken } = await deployment.start(env));
    races = new RaceRunner(a, b, { rounds: ROUNDS, lanes: LANES });
  }, 60_000);

  afterAll(async () => {
    await deployment.dispose();
    console.log(races.report('revocation races'));
  });

  const works = (tokens: TokenPair) => races.works(tokens);
  const run: RaceRunner['run'] = (race) => races.run(race);
  const admin = (method: string, path: string, body?: unknown) => a.call(method, path, { token: adminToken, body });

  /** A user of the lane with a password that the race may change. */
  async function laneUser(lane: number) {
    // The lanes' set-up (registrations, logins: password hashing) takes turns on both instances.
    const setup = lane % 2 === 0 ? a : b;
    const account = await setup.register(uniqueEmail(), PASSWORDS[0]);
    return { ...account, password: PASSWORDS[0], setup };
  }

  const refreshRaces: [string, (user: { id: string; email: string }, tokens: TokenPair) => Promise<Answer>][] = [
    ['logout-all vs refresh', (_user, tokens) => a.call('POST', '/logout-all', { token: tokens.access_token })],
    ['admin revoke-sessions vs refresh', (user) => admin('POST', `/admin/users/${user.id}/revoke-sessions`)],
    [
      'logout of the session vs its refresh',
      (_user, tokens) => a.call('POST', '/logout', { token: tokens.access_token }),
    ],
  ];

  it.each(refreshRaces)(
    '%s: no token the refresh minted survives',
    async (name, revokeFor) => {
      const tally = await run({
        name,
        lane: (index) => laneUser(index),
        round: async (user) => {
          const tokens = await user.setup.login(user.email, user.password);
          return {
            revoke: () => revokeFor(user, tokens),
            race: () => b.refresh(tokens.refresh_token),
            settle: (_revoker, racer) => ({ mustBeDead: tokensOf(racer) }),
          };
        },
      });
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.racerMinted).toBeGreaterThan(0); // the races were real: some refreshes landed first
      expect(tally.survivors).toBe(0);
    },
    180_000,
  );

  it('refresh-token reuse vs a refresh of the same session: nothing the refresh minted survives', async () => {
    const tally = await run({
      name: 'refresh-token reuse vs refresh',
      lane: (index) => laneUser(index),
      round: async (user) => {
        const first = await user.setup.login(user.email, user.password);
        const second = (await user.setup.refresh(first.refresh_token)).body;
        const third = (await user.setup.refresh(second.refresh_token)).body;
        return {
          // Two generations back: theft, even within the grace window.
          revoke: () => a.refresh(first.refresh_token),
          race: () => b.refresh(third.refresh_token),
          revoked: (answer) => answer.status === 401 && JSON.stringify(answer.body).includes('session has been ended'),
          settle: (_revoker, racer) => ({ mustBeDead: tokensOf(racer) }),
        };
      },
    });
    expect(tally.revoked).toBe(ROUNDS);
    expect(tally.survivors).toBe(0);
  }, 180_000);

  it('the session limit vs a refresh of the session it ends: that refresh mints nothing that survives', async () => {
    const tally = await run({
      name: 'session limit (login) vs refresh',
      lane: async (index) => {
        const user = await laneUser(index);
        // Oldest first: the session the next login ends is the least recently used one.
        const sessions = new Map<string, TokenPair>();
        for (let i = 0; i < SESSIONS_PER_USER; i += 1) {
          const tokens = await user.setup.login(user.email, user.password);
          sessions.set(sidOf(tokens), tokens);
        }
        return { user, sessions };
      },
      round: ({ user, sessions }) => {
        const [oldestSid, oldest] = sessions.entries().next().value as [string, TokenPair];
        return {
          revoke: () => a.call('POST', '/login', { body: { email: user.email, password: user.password } }),
          race: () => b.refresh(oldest.refresh_token),
          settle: async (revoker, racer) => {
            sessions.delete(oldestSid);
            if (racer.status === 200) sessions.set(oldestSid, racer.body as TokenPair);
            const opened = revoker.body as TokenPair;
            if (revoker.status === 200) sessions.set(sidOf(opened), opened);
            // The refresh may have landed first: then another session was the oldest, and this one rightly lives.
            const listed = await a.call<{ sid: string }[]>('GET', '/sessions', { token: opened.access_token });
            const live = new Set(listed.body.map((session) => session.sid));
            for (const sid of [...sessions.keys()]) if (!live.has(sid)) sessions.delete(sid);
            return { mustBeDead: live.has(oldestSid) ? [] : tokensOf(racer) };
          },
        };
      },
    });
    expect(tally.survivors).toBe(0);
  }, 180_000);

  it('admin disable vs refresh and vs login: nothing minted survives the disable', async () => {
    for (const racer of ['refresh', 'login'] as const) {
      const tally = await run({
        name: `admin disable vs ${racer}`,
        lane: (index) => laneUser(index),
        round: async (user) => {
          const tokens = racer === 'refresh' ? await user.setup.login(user.email, user.password) : undefined;
          return {
            revoke: () => admin('POST', `/admin/users/${user.id}/disable`),
            race: () =>
              tokens
                ? b.refresh(tokens.refresh_token)
                : b.call('POST', '/login', { body: { email: user.email, password: user.password } }),
            settle: async (_revoker, answer) => {
              await admin('POST', `/admin/users/${user.id}/enable`);
              return { mustBeDead: tokensOf(answer) };
            },
          };
        },
      });
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.survivors).toBe(0);
    }
  }, 360_000);

  it('admin demotion vs refresh and vs login: no token with the admin role survives', async () => {
    const promote = (user: { id: string }) =>
      admin('PUT', `/admin/users/${user.id}/roles`, { roles: ['user', 'admin'] });
    for (const racer of ['refresh', 'login'] as const) {
      const tally = await run({
        name: `admin demotion vs ${racer}`,
        lane: (index) => laneUser(index),
        round: async (user) => {
          await promote(user);
          const tokens = racer === 'refresh' ? await user.setup.login(user.email, user.password) : undefined;
          return {
            revoke: () => admin('PUT', `/admin/users/${user.id}/roles`, { roles: ['user'] }),
            race: () =>
              tokens
                ? b.refresh(tokens.refresh_token)
                : b.call('POST', '/login', { body: { email: user.email, password: user.password } }),
            settle: (_revoker, answer) => ({
              // A login after the demotion rightly mints a plain user's token: only admin ones must be dead.
              mustBeDead: tokensOf(answer).filter((pair) =>
                (decodeClaims(pair.access_token).roles as string[]).includes('admin'),
              ),
              alive: async (pair) =>
                (
                  await Promise.all(
                    [a, b].map((api) => api.status('GET', `/admin/users/${user.id}`, pair.access_token)),
                  )
                ).includes(200) || (await works(pair)),
            }),
          };
        },
      });
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.survivors).toBe(0);
    }
  }, 360_000);

  /** A lane for password races: the user, its current password, and a session of the caller that changes it. */
  async function passwordLane(lane: number) {
    const user = await laneUser(lane);
    return { user, current: 0, caller: await user.setup.login(user.email, PASSWORDS[0]) };
  }

  function changePassword(api: ApiClient, lane: { current: number }, caller: TokenPair, next: string) {
    return api.call<TokenPair>('POST', '/me/password', {
      token: caller.access_token,
      body: { current_password: PASSWORDS[lane.current], new_password: next },
    });
  }

  /** After a change that answered 200: the lane goes on with the new password and the caller's fresh session. */
  function afterChange(lane: { current: number; caller: TokenPair }, answer: Answer, next: number) {
    if (answer.status !== 200) return;
    lane.current = next;
    lane.caller = answer.body as TokenPair;
  }

  it('password change vs refresh and vs login with the old password: nothing minted survives', async () => {
    for (const racer of ['refresh', 'login with the old password'] as const) {
      const tally = await run({
        name: `password change vs ${racer}`,
        lane: (index) => passwordLane(index),
        round: async (lane) => {
          const next = 1 - lane.current;
          const other =
            racer === 'refresh' ? await lane.user.setup.login(lane.user.email, PASSWORDS[lane.current]) : undefined;
          const oldPassword = PASSWORDS[lane.current];
          return {
            revoke: () => changePassword(a, lane, lane.caller, PASSWORDS[next]),
            race: () =>
              other
                ? b.refresh(other.refresh_token)
                : b.call('POST', '/login', { body: { email: lane.user.email, password: oldPassword } }),
            settle: (revoker, answer) => {
              afterChange(lane, revoker, next);
              return { mustBeDead: tokensOf(answer) };
            },
          };
        },
      });
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.survivors).toBe(0);
    }
  }, 360_000);

  it('two password changes from two sessions at once: at most one wins, and no session of the loser survives', async () => {
    let bothWon = 0;
    const tally = await run({
      name: 'password change vs password change',
      lane: (index) => passwordLane(index),
      round: async (lane) => {
        const next = 1 - lane.current;
        const second = await lane.user.setup.login(lane.user.email, PASSWORDS[lane.current]);
        return {
          revoke: () => changePassword(a, lane, lane.caller, PASSWORDS[next]),
          race: () => changePassword(b, lane, second, PASSWORDS[next]),
          settle: async (revoker, answer) => {
            if (revoker.status === 200 && answer.status === 200) bothWon += 1;
            if (revoker.status === 200 || answer.status === 200) {
              afterChange(lane, revoker.status === 200 ? revoker : answer, next);
            } else {
              // Neither won (say both callers were revoked by something else): go on from a fresh login.
              const relogin = await a.call<TokenPair>('POST', '/login', {
                body: { email: lane.user.email, password: PASSWORDS[lane.current] },
              });
              if (relogin.status === 200) lane.caller = relogin.body;
            }
            return { mustBeDead: tokensOf(answer) };
          },
        };
      },
    });
    expect(bothWon).toBe(0);
    expect(tally.survivors).toBe(0);
  }, 180_000);

  it('DELETE /me vs refresh and vs login: nothing minted survives the deletion', async () => {
    for (const racer of ['refresh', 'login'] as const) {
      const tally = await run({
        name: `DELETE /me vs ${racer}`,
        lane: (index) => Promise.resolve(index),
        round: async (lane) => {
          const user = await laneUser(lane);
          const [caller, other] = await Promise.all([
            user.setup.login(user.email, user.password),
            racer === 'refresh' ? user.setup.login(user.email, user.password) : undefined,
          ]);
          return {
            revoke: () => a.call('DELETE', '/me', { token: caller.access_token, body: { password: user.password } }),
            race: () =>
              other
                ? b.refresh(other.refresh_token)
                : b.call('POST', '/login', { body: { email: user.email, password: user.password } }),
            settle: (_revoker, answer) => ({ mustBeDead: tokensOf(answer) }),
          };
        },
      });
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.survivors).toBe(0);
    }
  }, 360_000);
});

function sidOf(tokens: TokenPair): string {
  return decodeClaims(tokens.access_token).sid as string;
}
