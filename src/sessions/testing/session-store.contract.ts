import { randomUUID } from 'node:crypto';
import type { RevocationStore } from '../../revocation/revocation-store.js';
import {
  ACCOUNT_DELETED,
  type Caller,
  type NewSession,
  type RotationRequest,
  type RotationResult,
  type SessionGrant,
  type SessionStore,
  type SessionTerms,
} from '../session-store.js';

const MINUTE_MS = 60_000;

/** Terms long enough that nothing expires during a test unless the test says so. */
export const CONTRACT_TERMS: SessionTerms = {
  refreshTtlMs: 10 * MINUTE_MS,
  maxAgeMs: 60 * MINUTE_MS,
  reuseGraceMs: 5_000,
  tokenLifetimeMs: 2 * MINUTE_MS,
  maxSessions: 5,
};

/** A session store, the revocation store the guard reads (which it writes to), and the epoch both are in. */
export interface SessionStoreFixture {
  sessions: SessionStore;
  revocations: RevocationStore;
  epoch: string;
}

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  const sessionId = overrides.sessionId ?? randomUUID();
  return {
    userId: randomUUID(),
    sessionId,
    userAgent: 'contract-test/1.0',
    refreshTokenHash: `${sessionId}#0`,
    ...overrides,
  };
}

/** The chain of hashes these tests use: generation `g` of a session is `<sid>#<g>`. */
const hashOf = (session: NewSession, generation: number) => `${session.sessionId}#${generation}`;

/** Presents generation `generation` of the session; its successor's hash is the next in the chain. */
function rotation(session: NewSession, generation: number, overrides: Partial<RotationRequest> = {}): RotationRequest {
  return {
    userId: session.userId,
    sessionId: session.sessionId,
    generation,
    refreshTokenHash: hashOf(session, generation),
    nextRefreshTokenHash: hashOf(session, generation + 1),
    ...overrides,
  };
}

function callerOf(session: NewSession): Caller {
  return { userId: session.userId, sessionId: session.sessionId, jti: randomUUID() };
}

function outcomes(results: RotationResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { outcome } of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** The account version the tests' logins read, unless a test says otherwise. */
const ACCOUNT_VERSION = 1;

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every SessionStore adapter, with the RevocationStore it writes to, must show; run once per
 * adapter. `create` gets the terms the store runs on and returns a fresh fixture (or one sharing a backend).
 * Times come from the store's own clock, which the tests compare with this process's within a few seconds.
 */
export function describeSessionStoreContract(
  name: string,
  create: (terms: SessionTerms) => SessionStoreFixture | Promise<SessionStoreFixture>,
) {
  describe(`${name} honours the SessionStore contract`, () => {
    let fixture: SessionStoreFixture;
    let sessions: SessionStore;

    const fresh = async (terms: Partial<SessionTerms> = {}) => {
      fixture = await create({ ...CONTRACT_TERMS, ...terms });
      sessions = fixture.sessions;
    };

    beforeEach(() => fresh());

    /** A login that read the account at `accountVersion`, and must open. */
    const open = async (session: NewSession, accountVersion = ACCOUNT_VERSION): Promise<SessionGrant> => {
      const grant = await sessions.open(session, accountVersion);
      if (!grant) throw new Error(`session ${session.sessionId} did not open`);
      return grant;
    };

    /** True when an access token of the session, minted in the current epoch, would be refused now. */
    const refused = (session: Pick<NewSession, 'userId' | 'sessionId'>, jti: string = randomUUID()) =>
      fixture.revocations.isRevoked({
        userId: session.userId,
        jti,
        sessionId: session.sessionId,
        epoch: fixture.epoch,
      });

    describe('opening, finding and listing', () => {
      it('opens a session dated by the store, in the current epoch, and finds and lists it', async () => {
        const session = newSession();
        const before = Date.now();
        const grant = await open(session);
        expect(grant.epoch).toBe(fixture.epoch);
        const { createdAtMs } = grant.session;
        expect(Math.abs(createdAtMs - before)).toBeLessThan(5_000);
        const expected = {
          userId: session.userId,
          sessionId: session.sessionId,
          createdAtMs,
          lastUsedAtMs: createdAtMs,
          userAgent: session.userAgent,
          refreshExpiresAtMs: createdAtMs + CONTRACT_TERMS.refreshTtlMs,
          absoluteExpiresAtMs: createdAtMs + CONTRACT_TERMS.maxAgeMs,
        };
        expect(grant.session).toEqual(expected);
        expect(await sessions.find(session.userId, session.sessionId)).toEqual(expected);
        expect(await sessions.list(session.userId)).toEqual([expected]);
        expect(await refused(session)).toBe(false);
      });

      it("lists only the user's own sessions, most recently opened first", async () => {
        const first = newSession();
        const { userId } = first;
        const second = newSession({ userId });
        const third = newSession({ userId });
        const stranger = newSession();
        for (const session of [first, second, third, stranger]) {
          await open(session);
          await waitMs(3);
        }
        const listed = await sessions.list(userId);
        expect(listed.map((record) => record.sessionId)).toEqual([third, second, first].map((s) => s.sessionId));
        expect(await sessions.find(userId, stranger.sessionId)).toBeUndefined();
        expect(await sessions.list(randomUUID())).toEqual([]);
      });

      it('finds nothing for an unknown session or user', async () => {
        const session = newSession();
        await open(session);
        expect(await sessions.find(session.userId, randomUUID())).toBeUndefined();
        expect(await sessions.find(randomUUID(), session.sessionId)).toBeUndefined();
      });

      it('refuses a token of another store epoch, whatever its session', async () => {
        const session = newSession();
        await open(session);
        const identity = { userId: session.userId, jti: randomUUID(), sessionId: session.sessionId };
        expect(await fixture.revocations.isRevoked({ ...identity, epoch: fixture.epoch })).toBe(false);
        expect(await fixture.revocations.isRevoked({ ...identity, epoch: 'AAAAAAAAAAAAAAAA' })).toBe(true);
      });
    });

    describe('rotation', () => {
      it('rotates the current token, records the use, and then rotates its successor', async () => {
        const session = newSession();
        const opened = await open(session);
        await waitMs(5);
        const first = await sessions.rotate(rotation(session, 0));
        expect(first.outcome).toBe('rotated');
        if (first.outcome !== 'rotated') return;
        expect(first.grant.epoch).toBe(fixture.epoch);
        expect(first.grant.session.createdAtMs).toBe(opened.session.createdAtMs);
        expect(first.grant.session.lastUsedAtMs).toBeGreaterThan(opened.session.createdAtMs);
        expect(first.grant.session.refreshExpiresAtMs).toBe(
          first.grant.session.lastUsedAtMs + CONTRACT_TERMS.refreshTtlMs,
        );
        expect(await sessions.find(session.userId, session.sessionId)).toEqual(first.grant.session);
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('rotated');
        expect((await sessions.list(session.userId))[0].lastUsedAtMs).toBeGreaterThanOrEqual(
          first.grant.session.lastUsedAtMs,
        );
      });

      it("never extends a refresh token past the session's absolute expiry, nor rotates past it", async () => {
        await fresh({ maxAgeMs: 400 });
        const session = newSession();
        const opened = await open(session);
        expect(opened.session.refreshExpiresAtMs).toBe(opened.session.absoluteExpiresAtMs);
        const rotated = await sessions.rotate(rotation(session, 0));
        expect(rotated.outcome === 'rotated' && rotated.grant.session.refreshExpiresAtMs).toBe(
          opened.session.absoluteExpiresAtMs,
        );
        await waitMs(500);
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('invalid');
      });

      it('refuses the current generation with the wrong hash as invalid and changes nothing', async () => {
        const session = newSession();
        await open(session);
        expect((await sessions.rotate(rotation(session, 0, { refreshTokenHash: 'forged' }))).outcome).toBe('invalid');
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('rotated');
      });

      it('answers the token it just replaced, within the grace window, with the same successor and keeps the session', async () => {
        const session = newSession();
        await open(session);
        const rotated = await sessions.rotate(rotation(session, 0));
        const replayed = await sessions.rotate(rotation(session, 0));
        expect(replayed.outcome).toBe('replayed');
        if (rotated.outcome !== 'rotated' || replayed.outcome !== 'replayed') return;
        expect(replayed.grant).toEqual(rotated.grant);
        expect(await refused(session)).toBe(false);
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('rotated');
      });

      it('answers a replay only when the current token is the successor of the one presented', async () => {
        const session = newSession();
        await open(session);
        await sessions.rotate(rotation(session, 0));
        const stranger = rotation(session, 0, { nextRefreshTokenHash: 'not-its-successor' });
        expect((await sessions.rotate(stranger)).outcome).toBe('reused');
        expect(await refused(session)).toBe(true);
      });

      it('ends and revokes the session when the replaced token comes back after the grace window', async () => {
        await fresh({ reuseGraceMs: 150 });
        const session = newSession();
        await open(session);
        await sessions.rotate(rotation(session, 0));
        await waitMs(250);
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('reused');
        expect(await refused(session)).toBe(true);
        expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('invalid');
      });

      it('treats any replaced token as reused when there is no grace window', async () => {
        await fresh({ reuseGraceMs: 0 });
        const session = newSession();
        await open(session);
        await sessions.rotate(rotation(session, 0));
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('reused');
        expect(await refused(session)).toBe(true);
      });

      it('treats a token two generations back as reused, even within the grace window', async () => {
        const session = newSession();
        await open(session);
        await sessions.rotate(rotation(session, 0));
        await sessions.rotate(rotation(session, 1));
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('reused');
        expect(await refused(session)).toBe(true);
      });

      it('refuses a generation beyond the current one, or an unknown session, as invalid', async () => {
        const session = newSession();
        await open(session);
        expect((await sessions.rotate(rotation(session, 3))).outcome).toBe('invalid');
        expect((await sessions.rotate(rotation(newSession(), 0))).outcome).toBe('invalid');
        expect(await refused(session)).toBe(false);
      });

      it('lets exactly one of 20 concurrent rotations of the same token rotate; the rest get the same successor', async () => {
        const session = newSession();
        await open(session);
        const results = await Promise.all(Array.from({ length: 20 }, () => sessions.rotate(rotation(session, 0))));
        expect(outcomes(results)).toEqual({ rotated: 1, replayed: 19 });
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('rotated');
      });

      it('lets exactly one of 20 concurrent rotations rotate without a grace window; the others end the session', async () => {
        await fresh({ reuseGraceMs: 0 });
        const session = newSession();
        await open(session);
        const results = await Promise.all(Array.from({ length: 20 }, () => sessions.rotate(rotation(session, 0))));
        const counts = outcomes(results);
        expect(counts.rotated).toBe(1);
        expect((counts.reused ?? 0) + (counts.invalid ?? 0)).toBe(19);
        expect(counts.reused).toBeGreaterThanOrEqual(1);
        expect(await refused(session)).toBe(true);
      });

      it('stops rotating once the refresh token expired, without revoking the session', async () => {
        await fresh({ refreshTtlMs: 150 });
        const session = newSession();
        await open(session);
        await waitMs(250);
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('invalid');
        expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
        expect(await sessions.list(session.userId)).toEqual([]);
        expect(await refused(session)).toBe(false);
      });
    });

    describe('the per-user limit', () => {
      it('ends the oldest sessions beyond the limit, in the same step, and keeps the new one', async () => {
        await fresh({ maxSessions: 2 });
        const first = newSession();
        const { userId } = first;
        const second = newSession({ userId });
        const third = newSession({ userId });
        for (const session of [first, second, third]) {
          await open(session);
          await waitMs(3);
        }
        expect((await sessions.list(userId)).map((s) => s.sessionId)).toEqual([third.sessionId, second.sessionId]);
        expect(await refused(first)).toBe(true);
        expect((await sessions.rotate(rotation(first, 0))).outcome).toBe('invalid');
        expect(await refused(second)).toBe(false);
        expect(await refused(third)).toBe(false);
      });

      it('never lists more than the limit, however many logins', async () => {
        await fresh({ maxSessions: 3 });
        const userId = randomUUID();
        for (let i = 0; i < 10; i += 1) await open(newSession({ userId }));
        expect(await sessions.list(userId)).toHaveLength(3);
      });
    });

    describe('ending sessions', () => {
      it('ends one session: its refresh token stops working and its tokens are refused; others stay', async () => {
        const session = newSession();
        const other = newSession({ userId: session.userId });
        await open(session);
        await open(other);
        expect(await sessions.end(session.userId, session.sessionId)).toBe(true);
        expect(await refused(session)).toBe(true);
        expect((await sessions.rotate(rotation(session, 0))).outcome).toBe('invalid');
        expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
        expect(await refused(other)).toBe(false);
        expect(await sessions.end(session.userId, session.sessionId)).toBe(false);
      });

      it("answers false for an unknown session or another user's, and ends neither", async () => {
        const session = newSession();
        await open(session);
        expect(await sessions.end(session.userId, randomUUID())).toBe(false);
        expect(await sessions.end(randomUUID(), session.sessionId)).toBe(false);
        expect(await refused(session)).toBe(false);
      });

      it("logs a token out: its jti until the given time, and its session's every token", async () => {
        const session = newSession();
        const other = newSession({ userId: session.userId });
        await open(session);
        await open(other);
        const jti = randomUUID();
        expect(
          await sessions.end(session.userId, session.sessionId, { jti, expiresAtMs: Date.now() + MINUTE_MS }),
        ).toBe(true);
        expect(await refused(session, jti)).toBe(true);
        expect(await refused(session)).toBe(true);
        expect(await refused(other)).toBe(false);
      });

      it('still refuses the session of a logged-out token when its record was already gone', async () => {
        const session = newSession();
        const jti = randomUUID();
        expect(
          await sessions.end(session.userId, session.sessionId, { jti, expiresAtMs: Date.now() + MINUTE_MS }),
        ).toBe(false);
        expect(await refused(session, jti)).toBe(true);
        expect(await refused(session)).toBe(true);
      });

      it("keeps a logged-out token's session revoked until the token's own end, even past the session's", async () => {
        // The session's tokens can verify for 300 ms at most; the logged-out one is given 700 ms.
        await fresh({ refreshTtlMs: 100, tokenLifetimeMs: 200 });
        const session = newSession();
        await open(session);
        const jti = randomUUID();
        await sessions.end(session.userId, session.sessionId, { jti, expiresAtMs: Date.now() + 700 });
        await waitMs(450);
        // What the revocation mirror relies on: a session whose id is not revoked has no revoked jti.
        expect(await refused(session)).toBe(true);
        await waitMs(500);
        expect(await refused(session)).toBe(false);
        expect(await refused(session, jti)).toBe(false);
      });

      it('forgets a logged-out jti once the given time has passed', async () => {
        const session = newSession();
        await open(session);
        const jti = randomUUID();
        await sessions.end(session.userId, session.sessionId, { jti, expiresAtMs: Date.now() + 150 });
        expect(await refused({ userId: session.userId, sessionId: randomUUID() }, jti)).toBe(true);
        await waitMs(300);
        expect(await refused({ userId: session.userId, sessionId: randomUUID() }, jti)).toBe(false);
      });

      it("keeps an ended session's id revoked while its tokens can verify, and forgets it after", async () => {
        await fresh({ refreshTtlMs: 100, tokenLifetimeMs: 300 });
        const session = newSession();
        await open(session);
        await sessions.end(session.userId, session.sessionId);
        await waitMs(250);
        expect(await refused(session)).toBe(true);
        await waitMs(400);
        expect(await refused(session)).toBe(false);
      });

      it("ends every session of the user and leaves other users' alone", async () => {
        const first = newSession();
        const second = newSession({ userId: first.userId });
        const stranger = newSession();
        for (const session of [first, second, stranger]) await open(session);
        await sessions.endAll(first.userId);
        expect(await refused(first)).toBe(true);
        expect(await refused(second)).toBe(true);
        expect(await sessions.list(first.userId)).toEqual([]);
        expect((await sessions.rotate(rotation(second, 0))).outcome).toBe('invalid');
        expect(await refused(stranger)).toBe(false);
      });

      it('ends, with every session, one whose refresh token expired while its access tokens can still verify', async () => {
        await fresh({ refreshTtlMs: 100, tokenLifetimeMs: 60_000 });
        const session = newSession();
        await open(session);
        await waitMs(200);
        expect(await sessions.list(session.userId)).toEqual([]);
        await sessions.endAll(session.userId);
        expect(await refused(session)).toBe(true);
      });

      it("ends every session but the caller's own, while the caller's token is live", async () => {
        const mine = newSession();
        const other = newSession({ userId: mine.userId });
        await open(mine);
        await open(other);
        const caller = callerOf(mine);
        expect(await sessions.endOthers(caller)).toBe(true);
        expect(await refused(other)).toBe(true);
        expect(await refused(mine, caller.jti)).toBe(false);
        expect((await sessions.rotate(rotation(mine, 0))).outcome).toBe('rotated');
      });

      it('changes nothing for a caller whose token or session was revoked, and says so', async () => {
        const mine = newSession();
        const other = newSession({ userId: mine.userId });
        await open(mine);
        await open(other);
        const loggedOut = callerOf(mine);
        await sessions.end(mine.userId, randomUUID(), { jti: loggedOut.jti, expiresAtMs: Date.now() + MINUTE_MS });
        expect(await sessions.endOthers(loggedOut)).toBe(false);
        expect(await sessions.reopen(loggedOut, newSession({ userId: mine.userId }), ACCOUNT_VERSION)).toBeUndefined();
        expect(await refused(other)).toBe(false);
        await sessions.end(mine.userId, mine.sessionId);
        expect(await sessions.endOthers(callerOf(mine))).toBe(false);
        expect(await refused(other)).toBe(false);
      });

      it("reopens: every session ends, the caller's too, and the new one opens, in one step", async () => {
        const mine = newSession();
        const other = newSession({ userId: mine.userId });
        await open(mine);
        await open(other);
        const next = newSession({ userId: mine.userId });
        const grant = await sessions.reopen(callerOf(mine), next, ACCOUNT_VERSION);
        expect(grant?.epoch).toBe(fixture.epoch);
        expect(grant?.session.sessionId).toBe(next.sessionId);
        expect(await refused(mine)).toBe(true);
        expect(await refused(other)).toBe(true);
        expect(await refused(next)).toBe(false);
        expect((await sessions.list(mine.userId)).map((s) => s.sessionId)).toEqual([next.sessionId]);
      });
    });

    describe('account changes: no session opens for an account as read before a change that ended every session', () => {
      it('refuses a login that read an older version than the last change that ended every session', async () => {
        const before = newSession();
        await open(before, 3);
        await sessions.endAll(before.userId, 4);
        expect(await refused(before)).toBe(true);
        const stale = newSession({ userId: before.userId });
        expect(await sessions.open(stale, 3)).toBeUndefined();
        expect(await sessions.list(before.userId)).toEqual([]);
        expect((await sessions.rotate(rotation(stale, 0))).outcome).toBe('invalid');
        await open(newSession({ userId: before.userId }), 4);
        await open(newSession({ userId: before.userId }), 5);
      });

      it('keeps the latest change when an earlier one ends the sessions after it', async () => {
        const session = newSession();
        await sessions.endAll(session.userId, 7);
        await sessions.endAll(session.userId, 6);
        expect(await sessions.open(session, 6)).toBeUndefined();
        await open(session, 7);
      });

      it('fences nothing with an end of every session that changed no account (logout-all)', async () => {
        const session = newSession();
        await sessions.endAll(session.userId);
        await open(session, 1);
      });

      it('refuses every login of a deleted account, whatever version it read', async () => {
        const session = newSession();
        await sessions.endAll(session.userId, ACCOUNT_DELETED);
        expect(await sessions.open(session, 1_000_000)).toBeUndefined();
      });

      it('fences, through a reopen, the logins that read the account before the change it completes', async () => {
        const mine = newSession();
        await open(mine, 1);
        const next = newSession({ userId: mine.userId });
        expect(await sessions.reopen(callerOf(mine), next, 2)).toBeDefined();
        expect(await sessions.open(newSession({ userId: mine.userId }), 1)).toBeUndefined();
        await open(newSession({ userId: mine.userId }), 2);
      });

      it('refuses a reopen for a version older than a change that ended every session since', async () => {
        const mine = newSession();
        await open(mine, 1);
        const caller = callerOf(mine);
        await sessions.endAll(mine.userId, 3);
        await open(newSession({ userId: mine.userId, sessionId: mine.sessionId }), 3);
        expect(await sessions.reopen(caller, newSession({ userId: mine.userId }), 2)).toBeUndefined();
      });

      it('never lets a login that read the account before a change outlive it (200 rounds)', async () => {
        let survivors = 0;
        for (let round = 0; round < 200; round += 1) {
          const login = newSession();
          // The change: end every session, apply (the account moves from version 1 to 2), end every session again.
          const change = (async () => {
            await sessions.endAll(login.userId);
            await sessions.endAll(login.userId, 2);
          })();
          const [grant] = await Promise.all([sessions.open(login, 1), change]);
          if (grant && !(await refused(login))) survivors += 1;
        }
        expect(survivors).toBe(0);
      });
    });

    describe('races: each step lands wholly before or after another', () => {
      it('never leaves a rotation standing that raced the end of every session (200 rounds)', async () => {
        let survivors = 0;
        for (let round = 0; round < 200; round += 1) {
          const session = newSession();
          await open(session);
          const [rotated] = await Promise.all([sessions.rotate(rotation(session, 0)), sessions.endAll(session.userId)]);
          if (rotated.outcome === 'rotated' && !(await refused(session))) survivors += 1;
          if ((await sessions.rotate(rotation(session, 1))).outcome === 'rotated') survivors += 1;
        }
        expect(survivors).toBe(0);
      });

      it('never leaves a reopened session standing that raced the end of every session (200 rounds)', async () => {
        let survivors = 0;
        for (let round = 0; round < 200; round += 1) {
          const mine = newSession();
          await open(mine);
          const next = newSession({ userId: mine.userId });
          const [grant] = await Promise.all([
            sessions.reopen(callerOf(mine), next, ACCOUNT_VERSION),
            sessions.endAll(mine.userId),
          ]);
          if (grant && !(await refused(next))) survivors += 1;
        }
        expect(survivors).toBe(0);
      });
    });

    describe('introspection', () => {
      it('inspects the current token: the session, issued when opened, then at its last rotation', async () => {
        const session = newSession();
        const opened = await open(session);
        const token = { ...rotation(session, 0) };
        expect(await sessions.inspect(token)).toEqual({
          session: opened.session,
          issuedAtMs: opened.session.createdAtMs,
        });
        const rotated = await sessions.rotate(rotation(session, 0));
        const current = await sessions.inspect(rotation(session, 1));
        expect(rotated.outcome === 'rotated' && current).toEqual({
          session: rotated.outcome === 'rotated' ? rotated.grant.session : undefined,
          issuedAtMs: rotated.outcome === 'rotated' ? rotated.grant.session.lastUsedAtMs : 0,
        });
      });

      it('inspects without rotating or ending anything, even for a replaced token past the grace window', async () => {
        await fresh({ reuseGraceMs: 0 });
        const session = newSession();
        await open(session);
        await sessions.rotate(rotation(session, 0));
        expect(await sessions.inspect(rotation(session, 0))).toBeUndefined();
        expect(await refused(session)).toBe(false);
        expect((await sessions.rotate(rotation(session, 1))).outcome).toBe('rotated');
      });

      it('inspects a wrong hash, another generation, an unknown session or user as not current', async () => {
        const session = newSession();
        await open(session);
        expect(await sessions.inspect(rotation(session, 0, { refreshTokenHash: 'forged' }))).toBeUndefined();
        expect(await sessions.inspect(rotation(session, 1))).toBeUndefined();
        expect(await sessions.inspect(rotation(newSession(), 0))).toBeUndefined();
        expect(await sessions.inspect({ ...rotation(session, 0), userId: randomUUID() })).toBeUndefined();
      });

      it('inspects a token as not current once its refresh expiry has passed, or its session ended', async () => {
        await fresh({ refreshTtlMs: 150 });
        const expiring = newSession();
        const ended = newSession();
        await open(expiring);
        await open(ended);
        await sessions.end(ended.userId, ended.sessionId);
        expect(await sessions.inspect(rotation(ended, 0))).toBeUndefined();
        expect(await sessions.inspect(rotation(expiring, 0))).toBeDefined();
        await waitMs(250);
        expect(await sessions.inspect(rotation(expiring, 0))).toBeUndefined();
      });
    });
  });
}
