/** What a revocation check answered; `store_error` when the store could not answer (the request gets 503). */
export type RevocationCheckResult = 'allowed' | 'revoked' | 'store_error';

/** What a revocation ended: one token (its jti), one session (its sid), or every session of a user. */
export type RevocationKind = 'token' | 'session' | 'user';

/** Told about every revocation check and every revocation written. Optional: the metrics module provides one. */
export interface RevocationObserver {
  checked(result: RevocationCheckResult, seconds: number): void;
  revoked(kind: RevocationKind): void;
}

export const RevocationObserver = Symbol('RevocationObserver');
