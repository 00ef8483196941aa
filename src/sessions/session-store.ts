import { Inject } from '@nestjs/common';

/** One login, as stored. Times are Unix epoch milliseconds. */
export interface SessionRecord {
  userId: string;
  sessionId: string;
  createdAtMs: number;
  lastUsedAtMs: number;
  userAgent: string;
  /** When the current refresh token expires; the record goes with it. */
  refreshExpiresAtMs: number;
  /** SESSION_MAX_AGE after login: no refresh reaches past it. */
  absoluteExpiresAtMs: number;
}

export interface NewSession extends Omit<SessionRecord, 'lastUsedAtMs'> {
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

/** The live session whose current refresh token was presented, and when that token was issued. */
export interface CurrentRefreshToken {
  session: SessionRecord;
  issuedAtMs: number;
}

export interface RotationRequest extends PresentedRefreshToken {
  /** Hash of the refresh token that replaces it (generation + 1). */
  nextRefreshTokenHash: string;
  nextRefreshExpiresAtMs: number;
  nowMs: number;
  /** How long the just-replaced token is answered "already used" without ending the session (0: never). */
  reuseGraceMs: number;
  /** When reuse ends the session, its id stays revoked until then. */
  revokeSessionUntilMs: number;
}

/**
 * - `rotated`: the presented token was current; the next one replaces it, valid until `refreshExpiresAtMs` (never
 *   past the session's absolute expiry).
 * - `superseded`: the token was replaced moments ago (within the grace window): refused, session kept.
 * - `reused`: an older token came back after the grace window: theft assumed, the session is ended and revoked.
 * - `invalid`: no such live session, or it was revoked.
 */
export type RotationResult =
  { outcome: 'rotated'; refreshExpiresAtMs: number } | { outcome: 'superseded' | 'reused' | 'invalid' };

export interface SessionStore {
  /**
   * Stores a new session. When the user then has more than `maxSessions`, the sessions closest to expiry are
   * removed and their ids returned, for the caller to revoke.
   */
  create(session: NewSession, maxSessions: number): Promise<string[]>;

  /**
   * Atomically checks the presented refresh token and rotates it: of two concurrent calls, exactly one wins.
   * A revoked session, or one created at or before its user's not-before mark, is `invalid`.
   */
  rotate(request: RotationRequest): Promise<RotationResult>;

  /**
   * Read-only (introspection, RFC 7662): the session, when the presented token is its current one, unexpired at
   * `nowMs`, and the session is neither revoked nor created at or before its user's not-before mark, exactly as
   * `rotate` decides. Never rotates the token and never ends the session, whatever was presented.
   */
  inspect(token: PresentedRefreshToken, nowMs: number): Promise<CurrentRefreshToken | undefined>;

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined>;

  /** The user's live sessions, most recently created first. */
  list(userId: string): Promise<SessionRecord[]>;

  /** Ends one session (its refresh token stops working); false when the user has no such live session. */
  remove(userId: string, sessionId: string): Promise<boolean>;

  /** Ends every session of the user. */
  removeAll(userId: string): Promise<void>;
}

export const SessionStore = Symbol('SessionStore');
export const InjectSessionStore = () => Inject(SessionStore);
