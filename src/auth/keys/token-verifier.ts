import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import type { SigningAlgorithm } from '../../config/signing-keys.js';
import type { AccessTokenClaims } from '../access-token-claims.js';

/** What every token must satisfy besides its signature; the algorithm is pinned per key. */
export interface VerificationRules {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

export type VerifiedCallback = (error: Error | null, claims?: Partial<AccessTokenClaims>) => void;

/** Checks a token's signature and registered claims, then calls back once: with its claims, or with the error. */
export type TokenVerifier = (token: string, done: VerifiedCallback) => void;

/**
 * HS256, RS256 and ES256 go through jsonwebtoken, synchronously, as they always have: the guard's hot path. jsonwebtoken
 * has no EdDSA, so EdDSA goes through jose, with the same rules (issuer, audience, clock tolerance, one algorithm;
 * `exp` is required by principalFromClaims for both). jose's errors are turned into jsonwebtoken's, so whoever reads
 * `TokenExpiredError` sees one kind of error whichever library verified.
 */
export function tokenVerifier(algorithm: SigningAlgorithm, key: KeyObject, rules: VerificationRules): TokenVerifier {
  return algorithm === 'EdDSA' ? joseVerifier(algorithm, key, rules) : jsonwebtokenVerifier(algorithm, key, rules);
}

function jsonwebtokenVerifier(
  algorithm: Exclude<SigningAlgorithm, 'EdDSA'>,
  key: KeyObject,
  rules: VerificationRules,
): TokenVerifier {
  const options = {
    algorithms: [algorithm],
    issuer: rules.issuer,
    audience: rules.audience,
    clockTolerance: rules.clockToleranceSeconds,
    ignoreExpiration: false,
  };
  return (token, done) =>
    jwt.verify(token, key, options, (error, claims) =>
      error ? done(error) : done(null, claims as Partial<AccessTokenClaims>),
    );
}

function joseVerifier(algorithm: 'EdDSA', key: KeyObject, rules: VerificationRules): TokenVerifier {
  const options = {
    algorithms: [algorithm],
    issuer: rules.issuer,
    audience: rules.audience,
    clockTolerance: rules.clockToleranceSeconds,
  };
  return (token, done) => {
    void jwtVerify<Partial<AccessTokenClaims>>(token, key, options).then(
      ({ payload }) => done(null, payload),
      (error: unknown) => done(asJsonwebtokenError(error)),
    );
  };
}

function asJsonwebtokenError(error: unknown): Error {
  if (error instanceof errors.JWTExpired) {
    return new jwt.TokenExpiredError('jwt expired', new Date(Number(error.payload.exp) * 1000));
  }
  return new jwt.JsonWebTokenError(error instanceof Error ? error.message : 'invalid token');
}
