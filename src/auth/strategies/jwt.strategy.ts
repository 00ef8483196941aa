import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { Request as ExpressRequest } from 'express';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../../config/config.types.js';
import { InjectRevocationStore, type RevocationStore } from '../../revocation/revocation-store.js';
import { principalFromClaims, type Principal } from '../access-token-claims.js';
import { AcceptedKey, AccessTokenKeys } from '../keys/access-token-keys.js';
import { refusalMessage, type VerifiedCallback, type VerifiedClaims } from '../keys/token-verifier.js';
import { accessTokenFromCookie } from '../token-cookies.js';

type PassportJwtVerifier = (token: string, key: unknown, options: unknown, done: VerifiedCallback) => void;
// Untyped in @types/passport-jwt: the static every passport-jwt strategy verifies through.
const passportJwt = Strategy as unknown as { JwtVerifier: PassportJwtVerifier };
const passportJwtVerifier = passportJwt.JwtVerifier;

/**
 * passport-jwt verifies with jsonwebtoken, which has no EdDSA and no cache, through the static `Strategy.JwtVerifier`
 * (the seam its own tests stub). Pointed at the key `secretOrKeyProvider` picked, that key verifies the token itself
 * with its own pinned algorithm and rules (fast-jwt, see token-verifier.ts), the same code as AccessTokenVerifier.
 * The seam is process-wide, so any other key still goes to jsonwebtoken as before.
 */
const verifyWithAcceptedKey: PassportJwtVerifier = (token, key, options, done) =>
  key instanceof AcceptedKey ? key.verify(token, done) : passportJwtVerifier(token, key, options, done);

/** What passport gives a strategy for each attempt, and what passport-jwt's `authenticate` calls once. */
interface AuthenticationAttempt {
  success(principal: Principal): void;
  fail(info?: unknown): void;
  error(error: unknown): void;
}

/**
 * Verifies the bearer token strictly (issued header only, algorithm pinned per key, issuer, audience, required
 * expiry, clock tolerance), then asks the store, in one round trip, whether its jti, its session or its user's
 * earlier tokens were revoked.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService<AllConfig, true>,
    keys: AccessTokenKeys,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
  ) {
    const fromHeader = ExtractJwt.fromAuthHeaderAsBearerToken();
    passportJwt.JwtVerifier = verifyWithAcceptedKey;
    super({
      // The Authorization header always works; the cookie too when the cookie transport is on.
      jwtFromRequest: config.get('session.cookieTransport', { infer: true })
        ? ExtractJwt.fromExtractors([fromHeader, accessTokenFromCookie])
        : fromHeader,
      // keyFor refuses an unknown header (InvalidTokenException) before anything parses the token; the key it
      // returns goes, untouched, to verifyWithAcceptedKey, not to jsonwebtoken, whatever passport-jwt's types say.
      secretOrKeyProvider: (_request: unknown, token: string, done: (error: null, key: Buffer) => void) =>
        done(null, keys.keyFor(token) as unknown as Buffer),
    });
    this.checkRevocation = config.get('jwt.revocationCheck', { infer: true });
  }

  private readonly checkRevocation: boolean;

  /**
   * The caller of one request, or the InvalidTokenException (401) or store error (503) that refuses it. This runs
   * passport-jwt's own `authenticate` (extractor, key, verification, `validate`) the way `passport.authenticate`
   * does, on a per-attempt object that gets its three outcomes, but without passport's middleware around it: that
   * layer (and `AuthGuard`'s) gave each request its own closures, option objects and `req.logIn`-style methods, and
   * took about a fifth of a GET /me's CPU in the profile (README, Performance).
   */
  principalOf(request: FastifyRequest): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this) as this & AuthenticationAttempt;
      attempt.success = resolve;
      attempt.fail = (info) => reject(new InvalidTokenException(describeRejection(info)));
      attempt.error = reject;
      // Typed for Express's request; the extractors read only `headers` and `cookies`, which Fastify's has too.
      attempt.authenticate(request as unknown as ExpressRequest);
    });
  }

  async validate(claims: VerifiedClaims): Promise<Principal> {
    const principal = principalFromClaims(claims);
    if (!principal) throw new InvalidTokenException('The access token is missing a required claim');
    if (this.checkRevocation && (await this.revocations.isRevoked(principal))) {
      throw new InvalidTokenException('The access token has been revoked');
    }
    return principal;
  }
}

/** passport-jwt fails with "No auth token" when the request carries none, else with the verifier's error. */
function describeRejection(info: unknown): string {
  if (info instanceof Error && info.message === 'No auth token') return 'A bearer token is required';
  return refusalMessage(info);
}
