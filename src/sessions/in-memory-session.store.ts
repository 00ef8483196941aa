import type { RevocationStore } from '../revocation/revocation-store.js';
import type {
  CurrentRefreshToken,
  NewSession,
  PresentedRefreshToken,
  RotationRequest,
  RotationResult,
  SessionRecord,
  SessionStore,
} from './session-store.js';

interface StoredSession extends SessionRecord {
  generation: number;
  refreshTokenHash: string;
  rotatedAtMs: number;
}

/**
 * The embedded session store. JavaScript runs each method to completion before the next, which gives the same
 * atomicity as the Redis scripts; revocation checks and writes go to the in-memory revocation store it is given.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly sessionsByUser = new Map<string, Map<string, StoredSession>>();

  constructor(private readonly revocations: RevocationStore) {}

  create(session: NewSession, maxSessions: number): Promise<string[]> {
    const { refreshTokenHash, ...record } = session;
    const sessions = this.liveSessions(session.userId);
    this.sessionsByUser.set(session.userId, sessions);
    sessions.set(session.sessionId, {
      ...record,
      lastUsedAtMs: record.createdAtMs,
      generation: 0,
      refreshTokenHash,
      rotatedAtMs: 0,
    });
    const evicted = [...sessions.values()]
      .filter((other) => other.sessionId !== session.sessionId)
      .sort((a, b) => a.refreshExpiresAtMs - b.refreshExpiresAtMs)
      .slice(0, Math.max(0, sessions.size - maxSessions))
      .map((other) => other.sessionId);
    evicted.forEach((sessionId) => sessions.delete(sessionId));
    return Promise.resolve(evicted);
  }

  async rotate(request: RotationRequest): Promise<RotationResult> {
    const found = this.liveSessions(request.userId).get(request.sessionId);
    if (!found) return { outcome: 'invalid' };
    const revoked = await this.isRevoked(found);
    // Everything from here on runs without a pause, so it is atomic; a call that ended the session meanwhile wins.
    const session = this.liveSessions(request.userId).get(request.sessionId);
    if (revoked || session !== found) return { outcome: 'invalid' };
    if (request.generation === session.generation && request.refreshTokenHash === session.refreshTokenHash) {
      const expiresAtMs = Math.min(request.nextRefreshExpiresAtMs, session.absoluteExpiresAtMs);
      if (expiresAtMs <= request.nowMs) return { outcome: 'invalid' };
      Object.assign(session, {
        generation: session.generation + 1,
        refreshTokenHash: request.nextRefreshTokenHash,
        rotatedAtMs: request.nowMs,
        lastUsedAtMs: request.nowMs,
        refreshExpiresAtMs: expiresAtMs,
      });
      return { outcome: 'rotated', refreshExpiresAtMs: expiresAtMs };
    }
    const justReplaced = request.generation === session.generation - 1;
    if (justReplaced && request.nowMs - session.rotatedAtMs < request.reuseGraceMs) return { outcome: 'superseded' };
    if (request.generation < session.generation) {
      await this.remove(request.userId, request.sessionId);
      await this.revocations.revokeSession(request.userId, request.sessionId, request.revokeSessionUntilMs);
      return { outcome: 'reused' };
    }
    return { outcome: 'invalid' };
  }

  async inspect(token: PresentedRefreshToken, nowMs: number): Promise<CurrentRefreshToken | undefined> {
    const found = this.liveSessions(token.userId).get(token.sessionId);
    if (!found) return undefined;
    const revoked = await this.isRevoked(found);
    // Judged on the session as it is after the pause: one ended or rotated meanwhile no longer holds this token.
    const session = this.liveSessions(token.userId).get(token.sessionId);
    if (revoked || session !== found || session.refreshExpiresAtMs <= nowMs) return undefined;
    const isCurrent = token.generation === session.generation && token.refreshTokenHash === session.refreshTokenHash;
    if (!isCurrent) return undefined;
    return { session: toRecord(session), issuedAtMs: session.rotatedAtMs || session.createdAtMs };
  }

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const session = this.liveSessions(userId).get(sessionId);
    return Promise.resolve(session && toRecord(session));
  }

  list(userId: string): Promise<SessionRecord[]> {
    const sessions = [...this.liveSessions(userId).values()].map(toRecord);
    return Promise.resolve(sessions.sort((a, b) => b.createdAtMs - a.createdAtMs));
  }

  remove(userId: string, sessionId: string): Promise<boolean> {
    const sessions = this.liveSessions(userId);
    const removed = sessions.delete(sessionId);
    if (sessions.size === 0) this.sessionsByUser.delete(userId);
    return Promise.resolve(removed);
  }

  removeAll(userId: string): Promise<void> {
    this.sessionsByUser.delete(userId);
    return Promise.resolve();
  }

  /** The user's sessions whose refresh token has not expired; expired ones are dropped on the way. */
  private liveSessions(userId: string): Map<string, StoredSession> {
    const sessions = this.sessionsByUser.get(userId) ?? new Map<string, StoredSession>();
    const now = Date.now();
    for (const [sessionId, session] of sessions) {
      if (session.refreshExpiresAtMs <= now) sessions.delete(sessionId);
    }
    return sessions;
  }

  private isRevoked(session: StoredSession): Promise<boolean> {
    // A session is dead when its id is revoked or it began at or before the user's not-before mark.
    return this.revocations.isRevoked({
      userId: session.userId,
      jti: '',
      sessionId: session.sessionId,
      issuedAtMs: session.createdAtMs,
    });
  }
}

function toRecord(session: StoredSession): SessionRecord {
  const { userId, sessionId, createdAtMs, lastUsedAtMs, userAgent, refreshExpiresAtMs, absoluteExpiresAtMs } = session;
  return { userId, sessionId, createdAtMs, lastUsedAtMs, userAgent, refreshExpiresAtMs, absoluteExpiresAtMs };
}
