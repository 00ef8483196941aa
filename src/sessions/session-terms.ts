import type { JwtConfig } from '../config/jwt.config.js';
import type { SessionConfig } from '../config/session.config.js';
import type { SessionTerms } from './session-store.js';

/**
 * How long past its `exp` an access token may still verify somewhere: the verifier's clock tolerance, and the
 * tolerance again for the skew between the instance that minted it, the one verifying it and the store.
 */
export function verifiableAfterExpiryMs(jwt: JwtConfig): number {
  return 2 * jwt.clockToleranceSeconds * 1000;
}

export function sessionTerms(jwt: JwtConfig, session: SessionConfig): SessionTerms {
  return {
    refreshTtlMs: session.refreshTtlSeconds * 1000,
    maxAgeMs: session.maxAgeSeconds * 1000,
    reuseGraceMs: session.reuseGraceSeconds * 1000,
    tokenLifetimeMs: jwt.accessTtlSeconds * 1000 + verifiableAfterExpiryMs(jwt),
    maxSessions: session.maxSessionsPerUser,
  };
}
