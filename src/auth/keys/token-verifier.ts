import type { KeyObject } from 'node:crypto';
import { createVerifier, TokenError } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { SigningAlgorithm } from '../../config/signing-keys.js';
import type { AccessTokenClaims } from '../access-token-claims.js';
import { hmacTokenVerifier } from './hmac-token-verifier.js';
import { SeenTokens } from './seen-tokens.js';

const EXPIRED = 'The access token has expired';
const INVALID = 'The access token is invalid';

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
 * Every algorithm is verified synchronously, with one algorithm, the issuer, the audience, the expiry and the clock
 * tolerance (a missing `exp` is principalFromClaims's to refuse): HS256 by hmac-token-verifier.ts (one HMAC, one
 * decode, one parse), RS256, ES256 and EdDSA by fast-jwt.
 * Verified claims are then remembered, keyed by the whole token, until the token's `exp` plus the tolerance: a client
 * sends the same token on every request for its whole lifetime, and only the first two pay for the signature and
 * the JSON (a token is taken in on its second request: seen-tokens.ts). A changed byte is another key; a refused
 * token is never remembered; the cache holds no revocation answer (the store is asked on every request). fast-jwt's own cache would key each token by its SHA-256 (~4 µs per
 * request in the profile) and warns at start about any other key builder, even this exact one. A refusal is the 401
 * itself: it says "expired" or "invalid", nothing more.
 */
export function tokenVerifier(algorithm: SigningAlgorithm, key: KeyObject, rules: VerificationRules): TokenVerifier {
  const toleranceMs = rules.clockToleranceSeconds * 1000;
  const verify = algorithm === 'HS256' ? hmacVerify(key, rules) : publicKeyVerify(algorithm, key, rules);
  if (rules.cacheSize === 0) return verify;
  const verified = new LRUCache<string, VerifiedClaims>({ max: rules.cacheSize });
  const seen = new SeenTokens();
  return (token) => {
    const remembered = verified.get(token);
    // The wall clock decides, as for a fresh verify; the cache's own TTL (a monotonic clock) only evicts.
    if (remembered && (remembered.exp as number) * 1000 + toleranceMs >= Date.now()) return remembered;
    const claims = verify(token);
    // Remembered from its second request on (seen-tokens.ts), so that tokens sent once leave nothing behind.
    if (!seen.seenBefore(token)) return claims;
    const ttl = typeof claims.exp === 'number' ? claims.exp * 1000 + toleranceMs - Date.now() : 0;
    if (ttl > 0) verified.set(token, Object.freeze(claims), { ttl });
    return claims;
  };
}

/** HS256: hmac-token-verifier.ts, its refusals as the 401 they are. */
function hmacVerify(key: KeyObject, rules: VerificationRules): (token: string) => VerifiedClaims {
  const verify = hmacTokenVerifier(key, rules);
  return (token) => {
    const result = verify(token);
    if (result === 'expired') throw new InvalidTokenException(EXPIRED);
    if (result === 'invalid') throw new InvalidTokenException(INVALID);
    return result;
  };
}

/** RS256, ES256, EdDSA: fast-jwt, with one algorithm, the issuer, the audience and the clock tolerance. */
function publicKeyVerify(
  algorithm: SigningAlgorithm,
  key: KeyObject,
  rules: VerificationRules,
): (token: string) => VerifiedClaims {
  const verify = createVerifier({
    // fast-jwt takes a public key's PEM and parses it once.
    key: key.export({ type: 'spki', format: 'pem' }),
    algorithms: [algorithm],
    allowedIss: rules.issuer,
    allowedAud: rules.audience,
    clockTolerance: rules.clockToleranceSeconds * 1000,
  });
  return (token) => {
    try {
      return verify(token) as VerifiedClaims;
    } catch (error) {
      throw refusal(error);
    }
  };
}

/** What a 401 says of a token fast-jwt refused: expired, or invalid (nothing more is told). */
function refusal(error: unknown): InvalidTokenException {
  const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
  return new InvalidTokenException(expired ? EXPIRED : INVALID);
}
