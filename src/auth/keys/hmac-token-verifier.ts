import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { hmacSha256Base64url } from './hmac-sha256.js';
import type { VerificationRules } from './token-verifier.js';

/** Why a token was refused: the 401 says "expired" for the first, "invalid" for the second. */
export type HmacRefusal = 'expired' | 'invalid';

/** An HS256 signature segment: 32 bytes, base64url without padding. */
const SIGNATURE_LENGTH = 43;

/**
 * HS256 in one HMAC, one base64url decode and one JSON.parse: the path of every token's first request (the
 * verified-token cache serves the rest). The header needs no decoding: AccessTokenKeys chose this verifier by the
 * token's exact header bytes, so the algorithm and key are pinned already. The signature is compared as the
 * exact text the signer wrote (constant time), so no other spelling of the same bytes passes.
 *
 * The claims are checked as fast-jwt checks them (it verifies RS256, ES256 and EdDSA): a present `iss` must be the
 * issuer, a present `aud` the audience (or an array holding it), a present `exp` a number not past (with the
 * tolerance), a present `nbf` a number not ahead. A missing claim is principalFromClaims's to refuse.
 * fast-jwt's general path costs ~12 µs here against ~3 µs (docs/performance.md, "The first request of a token").
 */
export function hmacTokenVerifier(
  key: KeyObject,
  rules: Omit<VerificationRules, 'cacheSize'>,
): (token: string) => Record<string, unknown> | HmacRefusal {
  const toleranceMs = rules.clockToleranceSeconds * 1000;
  const sign = hmacSha256Base64url(key);
  return (token) => {
    const payloadStart = token.indexOf('.') + 1;
    const signatureStart = token.indexOf('.', payloadStart) + 1;
    if (payloadStart === 0 || signatureStart === 0 || token.length - signatureStart !== SIGNATURE_LENGTH) {
      return 'invalid';
    }
    const expected = sign(token.slice(0, signatureStart - 1));
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(token.slice(signatureStart)))) return 'invalid';

    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(token.slice(payloadStart, signatureStart - 1), 'base64url').toString('utf8'));
    } catch {
      return 'invalid';
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return 'invalid';
    return judge(claims as Record<string, unknown>, rules, toleranceMs, Date.now());
  };
}

function judge(
  claims: Record<string, unknown>,
  rules: Omit<VerificationRules, 'cacheSize'>,
  toleranceMs: number,
  now: number,
): Record<string, unknown> | HmacRefusal {
  // In fast-jwt's order, so that a token wrong in two ways gets the same answer from every algorithm.
  const { iss, aud, exp, nbf } = claims;
  if (nbf !== undefined && (typeof nbf !== 'number' || now < nbf * 1000 - toleranceMs)) return 'invalid';
  if (exp !== undefined) {
    if (typeof exp !== 'number') return 'invalid';
    if (now > exp * 1000 + toleranceMs) return 'expired';
  }
  if (aud !== undefined && !audienceMatches(aud, rules.audience)) return 'invalid';
  if (iss !== undefined && iss !== rules.issuer) return 'invalid';
  return claims;
}

/** `aud` is the audience, or an array of strings holding it. */
function audienceMatches(aud: unknown, audience: string): boolean {
  if (!Array.isArray(aud)) return aud === audience;
  return aud.every((value) => typeof value === 'string') && aud.includes(audience);
}
