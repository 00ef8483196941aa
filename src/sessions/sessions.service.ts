import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuditEvent } from '../audit/audit-log.js';
import { AuditService } from '../audit/audit.service.js';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../config/config.types.js';
import { RevocationObserver } from '../revocation/revocation-observer.js';
import { RefreshTokenCodec } from './refresh-token.codec.js';
import { verifiableAfterExpiryMs } from './session-terms.js';
import {
  InjectSessionStore,
  type Caller,
  type CurrentRefreshToken,
  type NewSession,
  type SessionGrant,
  type SessionStore,
} from './session-store.js';

const USER_AGENT_MAX_LENGTH = 256;

/** A session's current refresh token, as handed to the client, and the epoch its access tokens carry. */
export interface SessionTokens {
  userId: string;
  sessionId: string;
  epoch: string;
  refreshToken: string;
  refreshExpiresAtMs: number;
}

export interface SessionView {
  sid: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string;
  current: boolean;
}

/** A token as a logout revokes it: its session, its jti, and when it stops verifying anyway (`exp`). */
export interface PresentedToken extends Caller {
  expiresAtMs: number;
}

/** Why every session of a user ends: what the audit log records (none: a first pass of a change that repeats it). */
export type EndReason = Omit<AuditEvent, 'subjectId'>;

const NO_OBSERVER: Pick<RevocationObserver, 'revoked'> = { revoked: () => undefined };

/**
 * Sessions and their refresh tokens, and every revocation: ending a session revokes its id, so each access token
 * minted from it is refused; a user-wide revocation ends every session of the user in one atomic step.
 */
@Injectable()
export class SessionsService {
  private readonly userAgentOf = (userAgent?: string) => (userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH);
  /** How far past its `exp` a revoked jti is kept: the verifier's tolerance, and again for clock skew. */
  private readonly revokedTokenMarginMs: number;

  constructor(
    @InjectSessionStore() private readonly sessions: SessionStore,
    private readonly codec: RefreshTokenCodec,
    private readonly audit: AuditService,
    config: ConfigService<AllConfig, true>,
    @Optional()
    @Inject(RevocationObserver)
    private readonly observer: Pick<RevocationObserver, 'revoked'> = NO_OBSERVER,
  ) {
    this.revokedTokenMarginMs = verifiableAfterExpiryMs(config.get('jwt', { infer: true }));
  }

  /**
   * Opens a session (one login) for the account as read at `accountVersion`; undefined when a change of the account
   * made after that read has ended every session (the login raced it and lost).
   */
  async open(userId: string, accountVersion: number, userAgent?: string): Promise<SessionTokens | undefined> {
    const { session, token } = this.newSession(userId, userAgent);
    const grant = await this.sessions.open(session, accountVersion);
    return grant && tokensOf(grant, token);
  }

  /**
   * Ends every session of the caller's user, the caller's own too, and opens a fresh one for the caller, in one
   * step, for a change of the account that left it at `accountVersion`; 401 when the caller's token was revoked
   * before, or a later change of the account ended every session (a concurrent revocation wins).
   */
  async reopen(
    caller: Caller,
    userAgent: string | undefined,
    why: EndReason,
    accountVersion: number,
  ): Promise<SessionTokens> {
    const { session, token } = this.newSession(caller.userId, userAgent);
    const grant = await this.sessions.reopen(caller, session, accountVersion);
    if (!grant) throw revokedCaller();
    this.observer.revoked('user');
    await this.audit.record({ ...why, subjectId: caller.userId });
    return tokensOf(grant, token);
  }

  /** A new session of the user (a fresh id) and its first refresh token, which the store knows by its hash only. */
  private newSession(userId: string, userAgent: string | undefined): { session: NewSession; token: string } {
    const sessionId = randomUUID();
    const { token, hash } = this.codec.issue({ userId, sessionId, generation: 0 });
    return { session: { userId, sessionId, userAgent: this.userAgentOf(userAgent), refreshTokenHash: hash }, token };
  }

  /** Ends a session just opened whose tokens were never handed out (the account changed while it opened). */
  async discard(tokens: SessionTokens): Promise<void> {
    await this.sessions.end(tokens.userId, tokens.sessionId);
  }

  /**
   * Exchanges a refresh token for its successor; 401 for anything but the session's current token, or the one it
   * replaced moments ago (within REFRESH_REUSE_GRACE), which gets the same successor again.
   */
  async rotate(refreshToken: string): Promise<SessionTokens> {
    const parts = this.codec.read(refreshToken);
    if (!parts) throw new InvalidTokenException('The refresh token is invalid');
    const next = this.codec.successor(refreshToken, parts);
    const result = await this.sessions.rotate({
      ...parts,
      refreshTokenHash: RefreshTokenCodec.hash(refreshToken),
      nextRefreshTokenHash: next.hash,
    });
    switch (result.outcome) {
      case 'rotated':
      case 'replayed':
        return tokensOf(result.grant, next.token);
      case 'reused':
        this.observer.revoked('session');
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
    return this.sessions.inspect({ ...parts, refreshTokenHash: RefreshTokenCodec.hash(refreshToken) });
  }

  /**
   * RFC 7009 revocation of a refresh token: its session ends like a logout, so every access token of it is refused
   * too. False, and nothing changes, when the token is not the current one of a live session.
   */
  async endWithRefreshToken(refreshToken: string): Promise<boolean> {
    const current = await this.findByRefreshToken(refreshToken);
    if (!current) return false;
    const { userId, sessionId } = current.session;
    await this.endSession(userId, sessionId, { action: 'logout', actorId: userId });
    return true;
  }

  async list(userId: string, currentSessionId: string): Promise<SessionView[]> {
    return (await this.sessions.list(userId)).map((session) => ({
      sid: session.sessionId,
      createdAt: new Date(session.createdAtMs).toISOString(),
      lastUsedAt: new Date(session.lastUsedAtMs).toISOString(),
      userAgent: session.userAgent,
      current: session.sessionId === currentSessionId,
    }));
  }

  /** Ends one of the user's sessions: its refresh token and every access token carrying its id stop working. */
  async end(userId: string, sessionId: string): Promise<void> {
    if (!(await this.endSession(userId, sessionId, { action: 'session-end', actorId: userId }))) {
      throw new NotFoundException('No such session');
    }
  }

  /** Logout: revokes the presented token (until it could no longer verify anyway) and ends its session. */
  async endWithToken(token: PresentedToken): Promise<void> {
    const { userId, sessionId, jti } = token;
    await this.sessions.end(userId, sessionId, { jti, expiresAtMs: token.expiresAtMs + this.revokedTokenMarginMs });
    this.observer.revoked('token');
    this.observer.revoked('session');
    await this.audit.record({ action: 'logout', actorId: userId, subjectId: userId, sessionId });
  }

  /**
   * Ends every session of the user; every access and refresh token issued so far is refused. With
   * `accountVersion`, the sessions end for a change that left the account at that version: no login that read the
   * account before it opens a session afterwards.
   */
  async endAll(userId: string, why?: EndReason, accountVersion?: number): Promise<void> {
    await this.sessions.endAll(userId, accountVersion);
    this.observer.revoked('user');
    if (why) await this.audit.record({ ...why, subjectId: userId });
  }

  /** Ends every session of the caller's user but the caller's own; 401 when the caller's token was revoked first. */
  async endOthers(caller: Caller): Promise<void> {
    if (!(await this.sessions.endOthers(caller))) throw revokedCaller();
    this.observer.revoked('user');
  }

  private async endSession(userId: string, sessionId: string, why: Pick<AuditEvent, 'action' | 'actorId'>) {
    const ended = await this.sessions.end(userId, sessionId);
    if (!ended) return false;
    this.observer.revoked('session');
    await this.audit.record({ ...why, subjectId: userId, sessionId });
    return true;
  }
}

function tokensOf({ session, epoch }: SessionGrant, refreshToken: string): SessionTokens {
  const { userId, sessionId, refreshExpiresAtMs } = session;
  return { userId, sessionId, epoch, refreshToken, refreshExpiresAtMs };
}

function revokedCaller(): InvalidTokenException {
  return new InvalidTokenException('The access token has been revoked');
}
