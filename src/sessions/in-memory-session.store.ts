import type { StoreEpoch } from '../epoch/store-epoch.js';
import type { InMemoryRevocationStore } from '../revocation/in-memory-revocation.store.js';
import type {
  Caller,
  CurrentRefreshToken,
  NewSession,
  PresentedRefreshToken,
  RotationRequest,
  RotationResult,
  SessionGrant,
  SessionRecord,
  SessionStore,
  SessionTerms,
} from './session-store.js';

interface StoredSession extends SessionRecord {
  generation: number;
  refreshTokenHash: string;
  /** Hash of the token the current one replaced ('' before the first rotation). */
  previousHash: string;
  rotatedAtMs: number;
  /** Until then an access token of this session can verify: the record is kept, and its revocation lasts, till then. */
  lastTokenEndsAtMs: number;
}

/**
 * The embedded session store: the same rules as the Redis scripts, on the same layout (a record kept until the
 * session's last token ends). Each method runs to completion without a pause, which gives the atomicity of a
 * script; revocations go to the in-memory revocation store the guard reads, in the same step.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly sessionsByUser = new Map<string, Map<string, StoredSession>>();
  /** Per user, the account version of the last change that ended every session (kept for the process's life). */
  private readonly accountMarks = new Map<string, number>();

  constructor(
    private readonly revocations: InMemoryRevocationStore,
    private readonly epoch: StoreEpoch,
    private readonly terms: SessionTerms,
  ) {}

  open(session: NewSession, accountVersion: number): Promise<SessionGrant | undefined> {
    if (this.changedSince(session.userId, accountVersion)) return Promise.resolve(undefined);
    return Promise.resolve(this.opened(session));
  }

  reopen(caller: Caller, session: NewSession, accountVersion: number): Promise<SessionGrant | undefined> {
    if (this.changedSince(caller.userId, accountVersion) || !this.isLive(caller)) return Promise.resolve(undefined);
    this.endAllNow(caller.userId, undefined);
    this.mark(caller.userId, accountVersion);
    return Promise.resolve(this.opened(session));
  }

  rotate(request: RotationRequest): Promise<RotationResult> {
    const session = this.sessionsOf(request.userId).get(request.sessionId);
    const nowMs = Date.now();
    if (!session || nowMs >= session.refreshExpiresAtMs) return Promise.resolve({ outcome: 'invalid' });
    if (request.generation === session.generation && request.refreshTokenHash === session.refreshTokenHash) {
      const refreshExpiresAtMs = Math.min(nowMs + this.terms.refreshTtlMs, session.absoluteExpiresAtMs);
      Object.assign(session, {
        generation: session.generation + 1,
        previousHash: session.refreshTokenHash,
        refreshTokenHash: request.nextRefreshTokenHash,
        rotatedAtMs: nowMs,
        lastUsedAtMs: nowMs,
        refreshExpiresAtMs,
        lastTokenEndsAtMs: Math.max(session.lastTokenEndsAtMs, refreshExpiresAtMs + this.terms.tokenLifetimeMs),
      });
      return Promise.resolve({ outcome: 'rotated', grant: this.grantOf(session) });
    }
    const replayed =
      request.generation === session.generation - 1 &&
      request.refreshTokenHash === session.previousHash &&
      request.nextRefreshTokenHash === session.refreshTokenHash &&
      nowMs - session.rotatedAtMs < this.terms.reuseGraceMs;
    if (replayed) return Promise.resolve({ outcome: 'replayed', grant: this.grantOf(session) });
    if (request.generation < session.generation) {
      this.endNow(session);
      return Promise.resolve({ outcome: 'reused' });
    }
    return Promise.resolve({ outcome: 'invalid' });
  }

  inspect(token: PresentedRefreshToken): Promise<CurrentRefreshToken | undefined> {
    const session = this.sessionsOf(token.userId).get(token.sessionId);
    const isCurrent =
      session !== undefined &&
      Date.now() < session.refreshExpiresAtMs &&
      token.generation === session.generation &&
      token.refreshTokenHash === session.refreshTokenHash;
    if (!isCurrent) return Promise.resolve(undefined);
    return Promise.resolve({ session: toRecord(session), issuedAtMs: session.rotatedAtMs || session.createdAtMs });
  }

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const session = this.sessionsOf(userId).get(sessionId);
    return Promise.resolve(session && Date.now() < session.refreshExpiresAtMs ? toRecord(session) : undefined);
  }

  list(userId: string): Promise<SessionRecord[]> {
    const nowMs = Date.now();
    const live = [...this.sessionsOf(userId).values()].filter((session) => nowMs < session.refreshExpiresAtMs);
    return Promise.resolve(live.map(toRecord).sort((a, b) => b.createdAtMs - a.createdAtMs));
  }

  end(userId: string, sessionId: string, token?: { jti: string; expiresAtMs: number }): Promise<boolean> {
    if (token) this.revocations.revokeToken(token.jti, token.expiresAtMs);
    const session = this.sessionsOf(userId).get(sessionId);
    if (session) this.endNow(session);
    // Ended or not (no record: ended already), the id refuses whatever this token's session minted until the token's
    // own end at least: as in Redis, a jti is never revoked without its session, for at least as long.
    if (token) this.revocations.revokeSession(sessionId, token.expiresAtMs);
    return Promise.resolve(session !== undefined);
  }

  endAll(userId: string, accountVersion?: number): Promise<void> {
    this.endAllNow(userId, undefined);
    if (accountVersion !== undefined) this.mark(userId, accountVersion);
    return Promise.resolve();
  }

  endOthers(caller: Caller): Promise<boolean> {
    if (!this.isLive(caller)) return Promise.resolve(false);
    this.endAllNow(caller.userId, caller.sessionId);
    return Promise.resolve(true);
  }

  private opened(session: NewSession): SessionGrant {
    const nowMs = Date.now();
    const absoluteExpiresAtMs = nowMs + this.terms.maxAgeMs;
    const refreshExpiresAtMs = Math.min(nowMs + this.terms.refreshTtlMs, absoluteExpiresAtMs);
    const stored: StoredSession = {
      userId: session.userId,
      sessionId: session.sessionId,
      createdAtMs: nowMs,
      lastUsedAtMs: nowMs,
      userAgent: session.userAgent,
      refreshExpiresAtMs,
      absoluteExpiresAtMs,
      generation: 0,
      refreshTokenHash: session.refreshTokenHash,
      previousHash: '',
      rotatedAtMs: 0,
      lastTokenEndsAtMs: refreshExpiresAtMs + this.terms.tokenLifetimeMs,
    };
    const sessions = this.sessionsOf(session.userId);
    sessions.set(session.sessionId, stored);
    this.sessionsByUser.set(session.userId, sessions);
    // Beyond the limit, the sessions whose tokens end soonest are ended, like a logout.
    const others = [...sessions.values()].filter((other) => other !== stored);
    others
      .sort((a, b) => a.lastTokenEndsAtMs - b.lastTokenEndsAtMs)
      .slice(0, Math.max(0, sessions.size - this.terms.maxSessions))
      .forEach((evicted) => this.endNow(evicted));
    return this.grantOf(stored);
  }

  /** A change of the account after `accountVersion` ended every session. */
  private changedSince(userId: string, accountVersion: number): boolean {
    return (this.accountMarks.get(userId) ?? 0) > accountVersion;
  }

  private mark(userId: string, accountVersion: number): void {
    if (!this.changedSince(userId, accountVersion)) this.accountMarks.set(userId, accountVersion);
  }

  /** The caller's token still works: its jti is not revoked and its session was not ended. */
  private isLive(caller: Caller): boolean {
    return !this.revocations.isTokenRevoked(caller.jti) && this.sessionsOf(caller.userId).has(caller.sessionId);
  }

  private endAllNow(userId: string, keepSessionId: string | undefined): void {
    for (const session of [...this.sessionsOf(userId).values()]) {
      if (session.sessionId !== keepSessionId) this.endNow(session);
    }
  }

  /** Its id is refused while any of its tokens can verify; the record goes. */
  private endNow(session: StoredSession): void {
    this.revocations.revokeSession(session.sessionId, session.lastTokenEndsAtMs);
    const sessions = this.sessionsOf(session.userId);
    sessions.delete(session.sessionId);
    if (sessions.size === 0) this.sessionsByUser.delete(session.userId);
  }

  /** The user's sessions whose last token has not ended yet; the others are dropped on the way. */
  private sessionsOf(userId: string): Map<string, StoredSession> {
    const sessions = this.sessionsByUser.get(userId) ?? new Map<string, StoredSession>();
    const nowMs = Date.now();
    for (const [sessionId, session] of sessions) {
      if (session.lastTokenEndsAtMs <= nowMs) sessions.delete(sessionId);
    }
    return sessions;
  }

  private grantOf(session: StoredSession): SessionGrant {
    return { session: toRecord(session), epoch: this.epoch.confirmed as string };
  }
}

function toRecord(session: StoredSession): SessionRecord {
  const { userId, sessionId, createdAtMs, lastUsedAtMs, userAgent, refreshExpiresAtMs, absoluteExpiresAtMs } = session;
  return { userId, sessionId, createdAtMs, lastUsedAtMs, userAgent, refreshExpiresAtMs, absoluteExpiresAtMs };
}
