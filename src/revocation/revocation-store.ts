import { Inject } from '@nestjs/common';

/** What the guard needs from a verified access token to decide whether it was revoked. */
export interface TokenIdentity {
  userId: string;
  jti: string;
  sessionId: string;
  /** Issue time in milliseconds: `iat` alone cannot order a token and a not-before mark set in the same second. */
  issuedAtMs: number;
}

/** Times are Unix epoch milliseconds. Entries vanish by themselves once they can no longer matter. */
export interface RevocationStore {
  /** True when the token's jti or session is revoked, or it was issued at or before its user's not-before mark. One round trip. */
  isRevoked(token: TokenIdentity): Promise<boolean>;

  /**
   * Revokes one token (kept until `tokenExpiresAtMs`, set once) and ends its session (kept until
   * `sessionExpiresAtMs`, never shortened), acknowledged by the store before it resolves.
   */
  revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number): Promise<void>;

  /** Ends a session: every token carrying its id is refused until `untilMs` (never shortened). */
  revokeSession(userId: string, sessionId: string, untilMs: number): Promise<void>;

  /** Refuses every token of the user issued at or before `notBeforeMs`; the mark is kept until `keepUntilMs`. */
  revokeUserTokensIssuedBefore(userId: string, notBeforeMs: number, keepUntilMs: number): Promise<void>;
}

export const RevocationStore = Symbol('RevocationStore');
export const InjectRevocationStore = () => Inject(RevocationStore);
