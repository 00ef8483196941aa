import type { KeyObject } from 'node:crypto';
import { createVerifier, TokenError } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { SigningAlgorithm } from '../../config/signing-keys.js';
import type { AccessTokenClaims } from '../access-token-claims.js';

/** What every token must satisfy besides its signature; the algorithm is pinned per key. */
export interface VerificationRules {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** Verified tokens remembered (each until it expires); 0 verifies every call from scratch. */
  cacheSize: number;
}

/** A verified token's claims: shared by every call that presents the same token, so nobody may change them. */
export type VerifiedClaims = Readonly<Partial<AccessTokenClaims>>;

/** Checks a token's signature and registered claims: its claims, or an InvalidTokenException (expired or invalid). */
export type TokenVerifier = (token: string) => VerifiedClaims;

/**
 * Every algorithm (HS256, RS256, ES256, EdDSA) is verified by fast-jwt, synchronously, with one algorithm, the
 * issuer, the audience, the expiry and the clock tolerance (a missing `exp` is principalFromClaims's to refuse).
 * Verified claims are then remembered, keyed by the whole token, until the token's `exp` plus the tolerance: a client
 * sends the same token on every request for its whole lifetime, and only the first one pays for the signature and
 * the JSON. A changed byte is another key; a refused token is never remembered; the cache holds no revocation
 * answer (the store is asked on every request). fast-jwt's own cache would key each token by its SHA-256 (~4 µs per
 * request in the profile) and warns at start about any other key builder, even this exact one. A refusal is the 401
 * itself: it says "expired" or "invalid", nothing more.
 */
export function tokenVerifier(algorithm: SigningAlgorithm, key: KeyObject, rules: VerificationRules): TokenVerifier {
  const toleranceMs = rules.clockToleranceSeconds * 1000;
  const verify = createVerifier({
    // fast-jwt takes the HMAC secret's bytes and a public key's PEM; it parses each once.
    key: key.type === 'secret' ? key.export() : key.export({ type: 'spki', format: 'pem' }),
    algorithms: [algorithm],
    allowedIss: rules.issuer,
    allowedAud: rules.audience,
    clockTolerance: toleranceMs,
  });
  const verified = rules.cacheSize > 0 ? new LRUCache<string, VerifiedClaims>({ max: rules.cacheSize }) : undefined;
  return (token) => {
    const remembered = verified?.get(token);
    // The wall clock decides, as for a fresh verify; the cache's own TTL (a monotonic clock) only evicts.
    if (remembered && (remembered.exp as number) * 1000 + toleranceMs >= Date.now()) return remembered;
    let claims: VerifiedClaims;
    try {
      claims = verify(token) as VerifiedClaims;
    } catch (error) {
      throw refusal(error);
    }
    const ttl = typeof claims.exp === 'number' ? claims.exp * 1000 + toleranceMs - Date.now() : 0;
    if (verified && ttl > 0) verified.set(token, Object.freeze(claims), { ttl });
    return claims;
  };
}

/** What a 401 says of a token fast-jwt refused: expired, or invalid (nothing more is told). */
function refusal(error: unknown): InvalidTokenException {
  const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
  return new InvalidTokenException(expired ? 'The access token has expired' : 'The access token is invalid');
}
