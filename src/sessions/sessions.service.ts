import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { ConfigService } from '@nestjs/config';
import type { AuditEvent } from '../audit/audit-log.js';
import { AuditService } from '../audit/audit.service.js';
import type { AllConfig } from '../config/config.types.js';
import { InjectRevocationStore, type RevocationStore, type TokenIdentity } from '../revocation/revocation-store.js';
import { RefreshTokenCodec } from './refresh-token.codec.js';
import { SessionLifetimes } from './session-lifetimes.js';
import {
  InjectSessionStore,
  type CurrentRefreshToken,
  type SessionRecord,
  type SessionStore,
} from './session-store.js';

const USER_AGENT_MAX_LENGTH = 256;

/** A session's current refresh token, as handed to the client. */
export interface SessionGrant {
  userId: string;
  sessionId: string;
  refreshToken: string;
  refreshExpiresAtMs: number;
  /**
   * The issue time for the access token of this grant: when the user's state was read (login) or the session
   * opened. A not-before mark set after that moment (a concurrent disable or role change) refuses the token.
   */
  issuedAtMs: number;
}

export interface SessionView {
  sid: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string;
  current: boolean;
}

@Injectable()
export class SessionsService {
  private readonly lifetimes: SessionLifetimes;
  private readonly maxSessionsPerUser: number;

  constructor(
    @InjectSessionStore() private readonly sessions: SessionStore,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
    private readonly codec: RefreshTokenCodec,
    private readonly audit: AuditService,
    config: ConfigService<AllConfig, true>,
  ) {
    const session = config.get('session', { infer: true });
    this.lifetimes = new SessionLifetimes(config.get('jwt', { infer: true }), session);
    this.maxSessionsPerUser = session.maxSessionsPerUser;
  }

  /**
   * Opens a session (one login), dated `startedAtMs`: no later than the moment the caller read the user, so a
   * not-before mark raised after that read (a concurrent disable or role change) refuses this session too.
   */
  async start(userId: string, userAgent: string | undefined, startedAtMs: number): Promise<SessionGrant> {
    const nowMs = startedAtMs;
    const sessionId = randomUUID();
    const absoluteExpiresAtMs = nowMs + this.lifetimes.maxAgeMs;
    const refreshExpiresAtMs = this.lifetimes.refreshExpiresAt(nowMs, absoluteExpiresAtMs);
    const { token, hash } = this.codec.issue({ userId, sessionId, generation: 0 });
    const evicted = await this.sessions.create(
      {
        userId,
        sessionId,
        createdAtMs: nowMs,
        userAgent: (userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH),
        refreshExpiresAtMs,
        absoluteExpiresAtMs,
        refreshTokenHash: hash,
      },
      this.maxSessionsPerUser,
    );
    // Sessions pushed out by the per-user limit end like a logout: their access tokens stop working too.
    const revokeUntil = this.lifetimes.revokeUnknownSessionUntil(nowMs);
    await Promise.all(evicted.map((sid) => this.revocations.revokeSession(userId, sid, revokeUntil)));
    return { userId, sessionId, refreshToken: token, refreshExpiresAtMs, issuedAtMs: nowMs };
  }

  /**
   * False (and the session removed) when the user's not-before mark caught up with a session just started: an
   * admin disabled the account or changed its roles while the login was checking the password.
   */
  async survivedStart(grant: SessionGrant): Promise<boolean> {
    const identity = { userId: grant.userId, jti: '', sessionId: grant.sessionId, issuedAtMs: grant.issuedAtMs };
    if (!(await this.revocations.isRevoked(identity))) return true;
    await this.sessions.remove(grant.userId, grant.sessionId);
    return false;
  }

  /** Exchanges a refresh token for its successor; 401 for anything but the session's current token. */
  async rotate(refreshToken: string): Promise<SessionGrant> {
    const parts = this.codec.read(refreshToken);
    if (!parts) throw new InvalidTokenException('The refresh token is invalid');
    const nowMs = Date.now();
    const next = this.codec.issue({ ...parts, generation: parts.generation + 1 });
    const result = await this.sessions.rotate({
      ...parts,
      refreshTokenHash: RefreshTokenCodec.hash(refreshToken),
      nextRefreshTokenHash: next.hash,
      nextRefreshExpiresAtMs: nowMs + this.lifetimes.refreshTtlMs,
      nowMs,
      reuseGraceMs: this.lifetimes.reuseGraceMs,
      revokeSessionUntilMs: this.lifetimes.revokeUnknownSessionUntil(nowMs),
    });
    switch (result.outcome) {
      case 'rotated':
        return {
          ...parts,
          refreshToken: next.token,
          refreshExpiresAtMs: result.refreshExpiresAtMs,
          issuedAtMs: nowMs,
        };
      case 'superseded':
        throw new InvalidTokenException('The refresh token was just used; use the one it was exchanged for');
      case 'reused':
        await this.audit.record({
          action: 'refresh-reuse',
          actorId: null,
          subjectId: parts.userId,
          sessionId: parts.sessionId,
          reason: 'a rotated refresh token was presented again: theft assumed, session ended',
        });
        throw new InvalidTokenException('The refresh token was already used; the session has been ended');
      default:
        throw new InvalidTokenException('The refresh token is invalid, expired or revoked');
    }
  }

  /**
   * Read-only (introspection): the session of a refresh token that is the current one of a live, unrevoked
   * session, as `rotate` would judge it now; undefined for anything else. Never rotates, never ends a session.
   */
  async findByRefreshToken(refreshToken: string): Promise<CurrentRefreshToken | undefined> {
    const parts = this.codec.read(refreshToken);
    if (!parts) return undefined;
    return this.sessions.inspect({ ...parts, refreshTokenHash: RefreshTokenCodec.hash(refreshToken) }, Date.now());
  }

  /**
   * RFC 7009 revocation of a refresh token: its session ends like a logout, so every access token of it is refused
   * too. False, and nothing changes, when the token is not the current one of a live session.
   */
  async endWithRefreshToken(refreshToken: string): Promise<boolean> {
    const current = await this.findByRefreshToken(refreshToken);
    if (!current) return false;
    await this.endSession(current.session, { action: 'logout', actorId: current.session.userId });
    return true;
  }

  async list(userId: string, currentSessionId: string): Promise<SessionView[]> {
    return (await this.sessions.list(userId)).map((session) => toView(session, currentSessionId));
  }

  /** Ends one of the user's sessions: its refresh token and every access token carrying its id stop working. */
  async end(userId: string, sessionId: string): Promise<void> {
    const session = await this.sessions.find(userId, sessionId);
    if (!session) throw new NotFoundException('No such session');
    await this.endSession(session, { action: 'session-end', actorId: userId });
  }

  /**
   * Logout: revokes the presented access token (until it could no longer verify anyway) and ends its session.
   * Without a session record (its refresh token expired), no later token of that session can exist.
   */
  async endWithToken(token: TokenIdentity, tokenLastValidAtMs: number): Promise<void> {
    const session = await this.sessions.find(token.userId, token.sessionId);
    const sessionEnd = session ? this.lifetimes.revokeSessionUntil(session.absoluteExpiresAtMs) : 0;
    await this.revocations.revokeTokenAndSession(token, tokenLastValidAtMs, Math.max(sessionEnd, tokenLastValidAtMs));
    if (session) await this.sessions.remove(token.userId, token.sessionId);
    await this.audit.record({
      action: 'logout',
      actorId: token.userId,
      subjectId: token.userId,
      sessionId: token.sessionId,
    });
  }

  /**
   * Ends every session of the user and refuses every token minted so far; returns the not-before mark, so the
   * caller can open a new session strictly after it.
   */
  async endAll(userId: string, why: Omit<AuditEvent, 'subjectId'>): Promise<number> {
    const nowMs = Date.now();
    await this.revocations.revokeUserTokensIssuedBefore(userId, nowMs, this.lifetimes.keepNotBeforeUntil(nowMs));
    await this.sessions.removeAll(userId);
    await this.audit.record({ ...why, subjectId: userId });
    return nowMs;
  }

  private async endSession(session: SessionRecord, why: Pick<AuditEvent, 'action' | 'actorId'>): Promise<void> {
    const { userId, sessionId, absoluteExpiresAtMs } = session;
    await this.revocations.revokeSession(userId, sessionId, this.lifetimes.revokeSessionUntil(absoluteExpiresAtMs));
    await this.sessions.remove(userId, sessionId);
    await this.audit.record({ ...why, subjectId: userId, sessionId });
  }
}

function toView(session: SessionRecord, currentSessionId: string): SessionView {
  return {
    sid: session.sessionId,
    createdAt: new Date(session.createdAtMs).toISOString(),
    lastUsedAt: new Date(session.lastUsedAtMs).toISOString(),
    userAgent: session.userAgent,
    current: session.sessionId === currentSessionId,
  };
}
