import { Inject } from '@nestjs/common';

/** One login, as stored. Times are Unix epoch milliseconds on the store's clock (Redis TIME), never an instance's. */
export interface SessionRecord {
  userId: string;
  sessionId: string;
  createdAtMs: number;
  lastUsedAtMs: number;
  userAgent: string;
  /** When the current refresh token expires. */
  refreshExpiresAtMs: number;
  /** SESSION_MAX_AGE after login: no refresh reaches past it. */
  absoluteExpiresAtMs: number;
}

/** A session as the store opened or rotated it, and the store epoch its tokens must carry. */
export interface SessionGrant {
  session: SessionRecord;
  epoch: string;
}

/**
 * How long things last, fixed by the configuration. The store dates everything itself, on its own clock, from
 * these durations: no instance clock decides when a session or a revocation ends.
 */
export interface SessionTerms {
  refreshTtlMs: number;
  maxAgeMs: number;
  /** How long after its rotation a refresh token is still answered with its successor (0: never). */
  reuseGraceMs: number;
  /**
   * How long after a refresh an access token minted from it can still verify somewhere: its lifetime, its clock
   * tolerance, and the tolerance again for the skew between the minting instance, the verifying one and the store.
   * A session's record, and the revocation of its id, last this long past its refresh token.
   */
  tokenLifetimeMs: number;
  /** SESSIONS_PER_USER: opening one more ends the oldest. */
  maxSessions: number;
}

export interface NewSession {
  userId: string;
  sessionId: string;
  userAgent: string;
  /** Hash of the session's first refresh token (generation 0). */
  refreshTokenHash: string;
}

/** A refresh token as presented: the session it names, and its generation and hash. */
export interface PresentedRefreshToken {
  userId: string;
  sessionId: string;
  generation: number;
  refreshTokenHash: string;
}

export interface RotationRequest extends PresentedRefreshToken {
  /** Hash of the presented token's successor (generation + 1): derived from it, so the same every time. */
  nextRefreshTokenHash: string;
}

/**
 * - `rotated`: the presented token was current; its successor now is.
 * - `replayed`: the presented token was rotated moments ago (within the grace window) into the successor that is
 *   current now: the answer was lost, or another tab refreshed first. Nothing changes; the caller gets the same
 *   successor again.
 * - `reused`: an older token came back: theft assumed, the session is ended and its id revoked.
 * - `invalid`: no such live session (ended, expired, or of an earlier store epoch), or not its token.
 */
export type RotationResult =
  { outcome: 'rotated' | 'replayed'; grant: SessionGrant } | { outcome: 'reused' | 'invalid' };

/** The live session whose current refresh token was presented, and when that token was issued. */
export interface CurrentRefreshToken {
  session: SessionRecord;
  issuedAtMs: number;
}

/** The caller of a change to its own account: the change applies only while this token is still live. */
export interface Caller {
  userId: string;
  sessionId: string;
  jti: string;
}

/**
 * Sessions, and every revocation: ending a session revokes its id, so every access token minted from it is refused.
 * A user-wide revocation ends every session of the user, in one atomic step, including the sessions whose refresh
 * token has expired but whose access tokens may still verify. Each method is one atomic step in the store: a
 * concurrent refresh or login lands wholly before it (and is ended with it) or wholly after it.
 */
export interface SessionStore {
  /**
   * Opens a session for the account as read at `accountVersion`; if the user then has more than `maxSessions`, the
   * oldest are ended in the same step. Undefined, and nothing changes, when a change of the account after that
   * version ended every session (`endAll` with a later version): the login read what that change replaced.
   */
  open(session: NewSession, accountVersion: number): Promise<SessionGrant | undefined>;

  /**
   * Ends every session of the caller's user, the caller's own included, and opens `session`, in one step, as a
   * change of the account at `accountVersion` (see `endAll`). Undefined, and nothing changes, when the caller's
   * token or session had already been revoked, or a later change of the account ended every session.
   */
  reopen(caller: Caller, session: NewSession, accountVersion: number): Promise<SessionGrant | undefined>;

  /** Checks the presented refresh token and rotates it: of two concurrent calls, exactly one rotates. */
  rotate(request: RotationRequest): Promise<RotationResult>;

  /**
   * Read-only (introspection, RFC 7662): the session, when the presented token is its current one and unexpired,
   * exactly as `rotate` decides. Never rotates the token and never ends the session, whatever was presented.
   */
  inspect(token: PresentedRefreshToken): Promise<CurrentRefreshToken | undefined>;

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined>;

  /** The user's sessions whose refresh token still works, most recently created first. */
  list(userId: string): Promise<SessionRecord[]>;

  /**
   * Ends one session: its refresh token stops working and its id is revoked for as long as any of its access
   * tokens can verify. With `token` (a logout), that token's jti is revoked too, until `expiresAtMs`. False when
   * the user had no such session.
   */
  end(userId: string, sessionId: string, token?: { jti: string; expiresAtMs: number }): Promise<boolean>;

  /**
   * Ends every session of the user. With `accountVersion`, the account's version after a change this ends the
   * sessions for (ACCOUNT_DELETED for a deletion): from then on no session opens for the account as read before it.
   */
  endAll(userId: string, accountVersion?: number): Promise<void>;

  /**
   * Ends every session of the caller's user but the caller's own; false, and nothing changes, when the caller's
   * token or session had already been revoked.
   */
  endOthers(caller: Caller): Promise<boolean>;
}

/** The account version a deletion ends every session at: no login can have read a later one. */
export const ACCOUNT_DELETED = Number.MAX_SAFE_INTEGER;

/**
 * How long the store remembers the version of a change that ended every session: far longer than a login takes
 * from reading the account to opening its session.
 */
export const ACCOUNT_MARK_TTL_MS = 24 * 60 * 60 * 1000;

export const SessionStore = Symbol('SessionStore');
export const InjectSessionStore = () => Inject(SessionStore);
