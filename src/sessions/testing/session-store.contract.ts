import { randomUUID } from 'node:crypto';
import type { RevocationStore } from '../../revocation/revocation-store.js';
import type { NewSession, RotationRequest, RotationResult, SessionStore } from '../session-store.js';

const MINUTE_MS = 60_000;

/** A session store and the revocation store it writes to (the same one the guard reads). */
export interface SessionStorePair {
  sessions: SessionStore;
  revocations: RevocationStore;
}

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  const createdAtMs = Date.now();
  return {
    userId: randomUUID(),
    sessionId: randomUUID(),
    createdAtMs,
    userAgent: 'contract-test/1.0',
    refreshExpiresAtMs: createdAtMs + 10 * MINUTE_MS,
    absoluteExpiresAtMs: createdAtMs + 60 * MINUTE_MS,
    refreshTokenHash: `hash-${randomUUID()}`,
    ...overrides,
  };
}

/** Presents generation `generation` of `session`'s chain; the successor's hash is derived from it. */
function rotation(
  session: NewSession,
  generation: number,
  refreshTokenHash: string,
  overrides: Partial<RotationRequest> = {},
) {
  const nowMs = overrides.nowMs ?? Date.now();
  return {
    userId: session.userId,
    sessionId: session.sessionId,
    generation,
    refreshTokenHash,
    nextRefreshTokenHash: `${session.refreshTokenHash}#${generation + 1}`,
    nextRefreshExpiresAtMs: nowMs + 10 * MINUTE_MS,
    nowMs,
    reuseGraceMs: 5_000,
    revokeSessionUntilMs: nowMs + 60 * MINUTE_MS,
    ...overrides,
  } satisfies RotationRequest;
}

/** The hash a store holds for generation `generation` when every rotation used `rotation()`. */
function hashOf(session: NewSession, generation: number): string {
  return generation === 0 ? session.refreshTokenHash : `${session.refreshTokenHash}#${generation}`;
}

function outcomes(results: RotationResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { outcome } of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every SessionStore adapter must show; run once per adapter. `create` returns a session store and
 * the revocation store it reports revoked sessions to (and reads revocations from), fresh or sharing a backend.
 */
export function describeSessionStoreContract(name: string, create: () => SessionStorePair | Promise<SessionStorePair>) {
  describe(`${name} honours the SessionStore contract`, () => {
    let sessions: SessionStore;
    let revocations: RevocationStore;

    beforeEach(async () => {
      ({ sessions, revocations } = await create());
    });

    /** True when an access token of the session, minted now, would be refused. */
    const accessTokensRefused = (session: NewSession) =>
      revocations.isRevoked({
        userId: session.userId,
        jti: randomUUID(),
        sessionId: session.sessionId,
        issuedAtMs: Date.now(),
      });

    it('finds and lists a created session with its fields, last used at its creation', async () => {
      const session = newSession();
      expect(await sessions.create(session, 5)).toEqual([]);
      const expected = {
        userId: session.userId,
        sessionId: session.sessionId,
        createdAtMs: session.createdAtMs,
        lastUsedAtMs: session.createdAtMs,
        userAgent: session.userAgent,
        refreshExpiresAtMs: session.refreshExpiresAtMs,
        absoluteExpiresAtMs: session.absoluteExpiresAtMs,
      };
      expect(await sessions.find(session.userId, session.sessionId)).toEqual(expected);
      expect(await sessions.list(session.userId)).toEqual([expected]);
    });

    it("lists only the user's own sessions, most recently created first", async () => {
      const first = newSession();
      const { userId } = first;
      const base = first.createdAtMs;
      const second = newSession({ userId, createdAtMs: base + 2 });
      const third = newSession({ userId, createdAtMs: base + 1 });
      const stranger = newSession({ createdAtMs: base + 3 });
      for (const session of [first, second, third, stranger]) await sessions.create(session, 5);
      const listed = await sessions.list(userId);
      expect(listed.map((record) => record.sessionId)).toEqual([second.sessionId, third.sessionId, first.sessionId]);
      expect(listed.every((record) => record.userId === userId)).toBe(true);
      expect(await sessions.find(userId, stranger.sessionId)).toBeUndefined();
      expect(await sessions.list(randomUUID())).toEqual([]);
    });

    it('finds nothing for an unknown session', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      expect(await sessions.find(session.userId, randomUUID())).toBeUndefined();
      expect(await sessions.find(randomUUID(), session.sessionId)).toBeUndefined();
    });

    it('rotates the current token, records the use, and then rotates its successor', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const firstUse = session.createdAtMs + 1_000;
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: firstUse }))).toEqual({
        outcome: 'rotated',
        refreshExpiresAtMs: firstUse + 10 * MINUTE_MS,
      });
      expect(await sessions.find(session.userId, session.sessionId)).toMatchObject({
        createdAtMs: session.createdAtMs,
        lastUsedAtMs: firstUse,
        refreshExpiresAtMs: firstUse + 10 * MINUTE_MS,
        absoluteExpiresAtMs: session.absoluteExpiresAtMs,
      });
      const secondUse = firstUse + 1_000;
      expect(await sessions.rotate(rotation(session, 1, hashOf(session, 1), { nowMs: secondUse }))).toEqual({
        outcome: 'rotated',
        refreshExpiresAtMs: secondUse + 10 * MINUTE_MS,
      });
      expect((await sessions.list(session.userId))[0]).toMatchObject({
        lastUsedAtMs: secondUse,
        refreshExpiresAtMs: secondUse + 10 * MINUTE_MS,
      });
    });

    it("never extends a rotated token past the session's absolute expiry", async () => {
      const session = newSession();
      session.absoluteExpiresAtMs = session.createdAtMs + 5 * MINUTE_MS;
      await sessions.create(session, 5);
      const request = rotation(session, 0, hashOf(session, 0), {
        nowMs: session.createdAtMs,
        nextRefreshExpiresAtMs: session.createdAtMs + 10 * MINUTE_MS,
      });
      expect(await sessions.rotate(request)).toEqual({
        outcome: 'rotated',
        refreshExpiresAtMs: session.absoluteExpiresAtMs,
      });
      expect((await sessions.find(session.userId, session.sessionId))?.refreshExpiresAtMs).toBe(
        session.absoluteExpiresAtMs,
      );
    });

    it('refuses the current generation with the wrong hash as invalid and changes nothing', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const before = await sessions.find(session.userId, session.sessionId);
      expect(
        await sessions.rotate(rotation(session, 0, 'forged-hash', { nowMs: session.createdAtMs + 1_000 })),
      ).toEqual({ outcome: 'invalid' });
      expect(await sessions.find(session.userId, session.sessionId)).toEqual(before);
      expect(await accessTokensRefused(session)).toBe(false);
      expect((await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).outcome).toBe('rotated');
    });

    it('answers the just-replaced token within the grace window as superseded and keeps the session', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const rotatedAt = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt }));
      const stale = rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt + 4_999, reuseGraceMs: 5_000 });
      expect(await sessions.rotate(stale)).toEqual({ outcome: 'superseded' });
      expect(await sessions.find(session.userId, session.sessionId)).toMatchObject({ lastUsedAtMs: rotatedAt });
      expect(await accessTokensRefused(session)).toBe(false);
      expect((await sessions.rotate(rotation(session, 1, hashOf(session, 1)))).outcome).toBe('rotated');
    });

    it('ends and revokes the session when the just-replaced token comes back after the grace window', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const rotatedAt = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt }));
      const late = rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt + 5_000, reuseGraceMs: 5_000 });
      expect(await sessions.rotate(late)).toEqual({ outcome: 'reused' });
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect(await sessions.list(session.userId)).toEqual([]);
      expect(await accessTokensRefused(session)).toBe(true);
      expect(await sessions.rotate(rotation(session, 1, hashOf(session, 1)))).toEqual({ outcome: 'invalid' });
    });

    it('treats any replaced token as reused when there is no grace window', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 0 }));
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 0 }))).toEqual({
        outcome: 'reused',
      });
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect(await accessTokensRefused(session)).toBe(true);
    });

    it('treats a token two generations back as reused, even within the grace window', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs }));
      await sessions.rotate(rotation(session, 1, hashOf(session, 1), { nowMs }));
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 60_000 }))).toEqual({
        outcome: 'reused',
      });
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect(await accessTokensRefused(session)).toBe(true);
    });

    it('refuses a generation beyond the current one as invalid and keeps the session', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      expect(await sessions.rotate(rotation(session, 1, hashOf(session, 0)))).toEqual({ outcome: 'invalid' });
      expect(await sessions.rotate(rotation(session, 7, 'any-hash'))).toEqual({ outcome: 'invalid' });
      expect(await accessTokensRefused(session)).toBe(false);
      expect((await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).outcome).toBe('rotated');
    });

    it('refuses a rotation of an unknown session as invalid', async () => {
      const session = newSession();
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).toEqual({ outcome: 'invalid' });
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent rotations of the same token win; the rest are superseded', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = Date.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 5_000 })),
        ),
      );
      expect(outcomes(results)).toEqual({ rotated: 1, superseded: 19 });
      expect(await sessions.find(session.userId, session.sessionId)).toMatchObject({ lastUsedAtMs: nowMs });
      expect((await sessions.rotate(rotation(session, 1, hashOf(session, 1)))).outcome).toBe('rotated');
    });

    it('lets exactly one of 20 concurrent rotations win without a grace window; the losers end the session', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = Date.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 0 })),
        ),
      );
      expect(results.filter((result) => result.outcome === 'rotated')).toHaveLength(1);
      expect(results.filter((result) => result.outcome === 'reused').length).toBeGreaterThanOrEqual(1);
      expect(results.every((result) => ['rotated', 'reused', 'invalid'].includes(result.outcome))).toBe(true);
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect(await accessTokensRefused(session)).toBe(true);
      expect(await sessions.rotate(rotation(session, 1, hashOf(session, 1)))).toEqual({ outcome: 'invalid' });
    });

    it('answers concurrent presentations after a reuse ended the session as invalid, as if run one at a time', async () => {
      // Any one-at-a-time order of these 20 calls gives: rotated (the first), reused (the second, which ends the
      // session), then invalid (no such live session) for the remaining 18.
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = Date.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs, reuseGraceMs: 0 })),
        ),
      );
      expect(outcomes(results)).toEqual({ rotated: 1, reused: 1, invalid: 18 });
    });

    it('refuses to rotate a session whose id was revoked', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      await revocations.revokeSession(session.userId, session.sessionId, Date.now() + 60 * MINUTE_MS);
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).toEqual({ outcome: 'invalid' });
    });

    it("refuses to rotate a session created at or before the user's not-before mark, but not a later one", async () => {
      const mark = Date.now();
      const before = newSession({ createdAtMs: mark - 5 });
      const { userId } = before;
      const atMark = newSession({ userId, createdAtMs: mark });
      const after = newSession({ userId, createdAtMs: mark + 1 });
      await sessions.create(before, 5);
      await sessions.create(atMark, 5);
      await revocations.revokeUserTokensIssuedBefore(userId, mark, mark + 60 * MINUTE_MS);
      await sessions.create(after, 5);
      expect(await sessions.rotate(rotation(before, 0, hashOf(before, 0)))).toEqual({ outcome: 'invalid' });
      expect(await sessions.rotate(rotation(atMark, 0, hashOf(atMark, 0)))).toEqual({ outcome: 'invalid' });
      expect((await sessions.rotate(rotation(after, 0, hashOf(after, 0)))).outcome).toBe('rotated');
    });

    it('refuses to rotate past the absolute expiry even though the refresh token is still live', async () => {
      const session = newSession();
      session.refreshExpiresAtMs = session.createdAtMs + 10 * MINUTE_MS;
      session.absoluteExpiresAtMs = session.createdAtMs + 10 * MINUTE_MS;
      await sessions.create(session, 5);
      const nowMs = session.absoluteExpiresAtMs + 1_000;
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs }))).toEqual({
        outcome: 'invalid',
      });
      expect(
        await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: session.absoluteExpiresAtMs })),
      ).toEqual({ outcome: 'invalid' });
      expect(await sessions.find(session.userId, session.sessionId)).toMatchObject({
        lastUsedAtMs: session.createdAtMs,
      });
    });

    it('forgets a session by itself once its refresh token has expired', async () => {
      const session = newSession();
      session.refreshExpiresAtMs = session.createdAtMs + 150;
      session.absoluteExpiresAtMs = session.createdAtMs + 150;
      await sessions.create(session, 5);
      expect(await sessions.find(session.userId, session.sessionId)).toBeDefined();
      await waitMs(400);
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect(await sessions.list(session.userId)).toEqual([]);
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).toEqual({ outcome: 'invalid' });
    });

    it('evicts the sessions closest to expiry beyond the per-user limit and keeps the new one', async () => {
      const base = Date.now();
      const a = newSession({ createdAtMs: base, refreshExpiresAtMs: base + 30 * MINUTE_MS });
      const { userId } = a;
      const b = newSession({ userId, createdAtMs: base + 1, refreshExpiresAtMs: base + 10 * MINUTE_MS });
      const c = newSession({ userId, createdAtMs: base + 2, refreshExpiresAtMs: base + 20 * MINUTE_MS });
      for (const session of [a, b, c]) expect(await sessions.create(session, 3)).toEqual([]);

      const d = newSession({ userId, createdAtMs: base + 3, refreshExpiresAtMs: base + 40 * MINUTE_MS });
      expect((await sessions.create(d, 2)).sort()).toEqual([b.sessionId, c.sessionId].sort());
      expect(await sessions.find(userId, b.sessionId)).toBeUndefined();
      expect(await sessions.find(userId, c.sessionId)).toBeUndefined();
      expect((await sessions.list(userId)).map((record) => record.sessionId)).toEqual([d.sessionId, a.sessionId]);

      // The new session is kept even when it expires before every other one.
      const e = newSession({ userId, createdAtMs: base + 4, refreshExpiresAtMs: base + 5 * MINUTE_MS });
      expect(await sessions.create(e, 2)).toEqual([a.sessionId]);
      expect((await sessions.list(userId)).map((record) => record.sessionId)).toEqual([e.sessionId, d.sessionId]);
      expect((await sessions.rotate(rotation(e, 0, hashOf(e, 0)))).outcome).toBe('rotated');
    });

    it('never lists more than the per-user limit, however many logins', async () => {
      const base = Date.now();
      const userId = randomUUID();
      const created: string[] = [];
      const evicted: string[] = [];
      for (let i = 0; i < 6; i++) {
        const session = newSession({ userId, createdAtMs: base + i, refreshExpiresAtMs: base + (10 + i) * MINUTE_MS });
        created.push(session.sessionId);
        evicted.push(...(await sessions.create(session, 2)));
        expect((await sessions.list(userId)).length).toBeLessThanOrEqual(2);
      }
      expect(evicted.sort()).toEqual(created.slice(0, 4).sort());
      expect((await sessions.list(userId)).map((record) => record.sessionId)).toEqual([created[5], created[4]]);
    });

    it('removes a live session: true, then gone', async () => {
      const session = newSession();
      const other = newSession({ userId: session.userId, createdAtMs: session.createdAtMs + 1 });
      await sessions.create(session, 5);
      await sessions.create(other, 5);
      expect(await sessions.remove(session.userId, session.sessionId)).toBe(true);
      expect(await sessions.find(session.userId, session.sessionId)).toBeUndefined();
      expect((await sessions.list(session.userId)).map((record) => record.sessionId)).toEqual([other.sessionId]);
      expect(await sessions.rotate(rotation(session, 0, hashOf(session, 0)))).toEqual({ outcome: 'invalid' });
      expect(await sessions.remove(session.userId, session.sessionId)).toBe(false);
    });

    it("answers false when removing an unknown session or another user's", async () => {
      const session = newSession();
      await sessions.create(session, 5);
      expect(await sessions.remove(session.userId, randomUUID())).toBe(false);
      expect(await sessions.remove(randomUUID(), session.sessionId)).toBe(false);
      expect(await sessions.find(session.userId, session.sessionId)).toBeDefined();
    });

    it("removes every session of the user and leaves other users' alone", async () => {
      const first = newSession();
      const second = newSession({ userId: first.userId, createdAtMs: first.createdAtMs + 1 });
      const stranger = newSession();
      for (const session of [first, second, stranger]) await sessions.create(session, 5);
      await sessions.removeAll(first.userId);
      expect(await sessions.list(first.userId)).toEqual([]);
      expect(await sessions.find(first.userId, first.sessionId)).toBeUndefined();
      expect(await sessions.find(first.userId, second.sessionId)).toBeUndefined();
      expect(await sessions.rotate(rotation(second, 0, hashOf(second, 0)))).toEqual({ outcome: 'invalid' });
      expect(await sessions.find(stranger.userId, stranger.sessionId)).toBeDefined();
      expect((await sessions.rotate(rotation(stranger, 0, hashOf(stranger, 0)))).outcome).toBe('rotated');
    });

    /** The presented-token part of `rotation()`, for the read-only lookup. */
    const presented = (session: NewSession, generation: number, refreshTokenHash = hashOf(session, generation)) => ({
      userId: session.userId,
      sessionId: session.sessionId,
      generation,
      refreshTokenHash,
    });

    it('inspects the current token: the session, issued at login, then at its last rotation', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const atLogin = await sessions.inspect(presented(session, 0), Date.now());
      expect(atLogin).toEqual({
        session: await sessions.find(session.userId, session.sessionId),
        issuedAtMs: session.createdAtMs,
      });
      const rotatedAt = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt }));
      expect(await sessions.inspect(presented(session, 1), rotatedAt)).toEqual({
        session: expect.objectContaining({ sessionId: session.sessionId, lastUsedAtMs: rotatedAt }),
        issuedAtMs: rotatedAt,
      });
      expect(await sessions.inspect(presented(session, 0), rotatedAt)).toBeUndefined();
    });

    it('inspects without rotating or ending anything, even for a replaced token past the grace window', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const before = await sessions.find(session.userId, session.sessionId);
      for (let i = 0; i < 3; i++) expect(await sessions.inspect(presented(session, 0), Date.now())).toBeDefined();
      expect(await sessions.find(session.userId, session.sessionId)).toEqual(before);
      const rotatedAt = session.createdAtMs + 1_000;
      await sessions.rotate(rotation(session, 0, hashOf(session, 0), { nowMs: rotatedAt, reuseGraceMs: 0 }));
      expect(await sessions.inspect(presented(session, 0), rotatedAt + 60_000)).toBeUndefined();
      expect(await sessions.find(session.userId, session.sessionId)).toBeDefined();
      expect(await accessTokensRefused(session)).toBe(false);
      expect((await sessions.rotate(rotation(session, 1, hashOf(session, 1)))).outcome).toBe('rotated');
    });

    it('inspects a wrong hash, another generation, an unknown session or user as not current', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      const nowMs = Date.now();
      expect(await sessions.inspect(presented(session, 0, 'forged-hash'), nowMs)).toBeUndefined();
      expect(await sessions.inspect(presented(session, 1, hashOf(session, 0)), nowMs)).toBeUndefined();
      expect(await sessions.inspect({ ...presented(session, 0), sessionId: randomUUID() }, nowMs)).toBeUndefined();
      expect(await sessions.inspect({ ...presented(session, 0), userId: randomUUID() }, nowMs)).toBeUndefined();
      expect(await sessions.inspect(presented(session, 0), nowMs)).toBeDefined();
    });

    it('inspects a token as not current once its refresh expiry has passed', async () => {
      const session = newSession();
      await sessions.create(session, 5);
      expect(await sessions.inspect(presented(session, 0), session.refreshExpiresAtMs - 1)).toBeDefined();
      expect(await sessions.inspect(presented(session, 0), session.refreshExpiresAtMs)).toBeUndefined();
    });

    it('inspects the token of a revoked or removed session as not current', async () => {
      const revoked = newSession();
      const removed = newSession();
      for (const session of [revoked, removed]) await sessions.create(session, 5);
      await revocations.revokeSession(revoked.userId, revoked.sessionId, Date.now() + 60 * MINUTE_MS);
      await sessions.remove(removed.userId, removed.sessionId);
      expect(await sessions.inspect(presented(revoked, 0), Date.now())).toBeUndefined();
      expect(await sessions.inspect(presented(removed, 0), Date.now())).toBeUndefined();
    });

    it("inspects a session created at or before the user's not-before mark as not current, but not a later one", async () => {
      const mark = Date.now();
      const before = newSession({ createdAtMs: mark - 5 });
      const { userId } = before;
      const atMark = newSession({ userId, createdAtMs: mark });
      const after = newSession({ userId, createdAtMs: mark + 1 });
      await sessions.create(before, 5);
      await sessions.create(atMark, 5);
      await revocations.revokeUserTokensIssuedBefore(userId, mark, mark + 60 * MINUTE_MS);
      await sessions.create(after, 5);
      expect(await sessions.inspect(presented(before, 0), mark)).toBeUndefined();
      expect(await sessions.inspect(presented(atMark, 0), mark)).toBeUndefined();
      expect(await sessions.inspect(presented(after, 0), mark)).toBeDefined();
    });
  });
}
