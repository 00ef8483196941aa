import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../../config/config.types.js';
import { InjectRevocationStore, type RevocationStore } from '../../revocation/revocation-store.js';
import { principalFromClaims, type AccessTokenClaims, type Principal } from '../access-token-claims.js';
import { AcceptedKey, AccessTokenKeys } from '../keys/access-token-keys.js';
import type { VerifiedCallback } from '../keys/token-verifier.js';
import { accessTokenFromCookie } from '../token-cookies.js';

type PassportJwtVerifier = (token: string, key: unknown, options: unknown, done: VerifiedCallback) => void;
// Untyped in @types/passport-jwt: the static every passport-jwt strategy verifies through.
const passportJwt = Strategy as unknown as { JwtVerifier: PassportJwtVerifier };
const passportJwtVerifier = passportJwt.JwtVerifier;

/**
 * passport-jwt verifies with jsonwebtoken, which has no EdDSA, through the static `Strategy.JwtVerifier` (the seam
 * its own tests stub). Pointed at the key `secretOrKeyProvider` picked, that key verifies the token itself with its
 * own pinned algorithm and rules: jsonwebtoken for HS256/RS256/ES256 (the hot path, unchanged), jose for EdDSA, the
 * same code as AccessTokenVerifier. The seam is process-wide, so any other key still goes to jsonwebtoken as before.
 */
const verifyWithAcceptedKey: PassportJwtVerifier = (token, key, options, done) =>
  key instanceof AcceptedKey ? key.verify(token, done) : passportJwtVerifier(token, key, options, done);

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

  async validate(claims: Partial<AccessTokenClaims>): Promise<Principal> {
    const principal = principalFromClaims(claims);
    if (!principal) throw new InvalidTokenException('The access token is missing a required claim');
    if (this.checkRevocation && (await this.revocations.isRevoked(principal))) {
      throw new InvalidTokenException('The access token has been revoked');
    }
    return principal;
  }
}
