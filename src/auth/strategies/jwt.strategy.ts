import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../../config/config.types.js';
import { InjectRevocationStore, type RevocationStore } from '../../revocation/revocation-store.js';
import { principalFromClaims, type AccessTokenClaims, type Principal } from '../access-token-claims.js';
import { accessTokenFromCookie } from '../token-cookies.js';

/**
 * Verifies the bearer token strictly (pinned algorithm, issuer, audience, required expiry, clock tolerance), then
 * asks the store, in one round trip, whether its jti, its session or its user's earlier tokens were revoked.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService<AllConfig, true>,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
  ) {
    const jwt = config.get('jwt', { infer: true });
    const fromHeader = ExtractJwt.fromAuthHeaderAsBearerToken();
    // The Authorization header always works; the cookie too when the cookie transport is on.
    const extract = config.get('session.cookieTransport', { infer: true })
      ? ExtractJwt.fromExtractors([fromHeader, accessTokenFromCookie])
      : fromHeader;
    const issuedHeader = issuedHeaderSegment(jwt.algorithm);
    super({
      jwtFromRequest: (request: FastifyRequest) => onlyIssuedHeader(extract(request), issuedHeader),
      // jsonwebtoken accepts a KeyObject; passport-jwt's types only say string | Buffer.
      secretOrKey: jwt.secretKey as unknown as Buffer,
      algorithms: [jwt.algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: jwt.clockToleranceSeconds },
    });
    this.checkRevocation = jwt.revocationCheck;
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

/** The header segment of every token this server signs: `{"alg":"<algorithm>","typ":"JWT"}`, base64url. */
export function issuedHeaderSegment(algorithm: string): string {
  return Buffer.from(JSON.stringify({ alg: algorithm, typ: 'JWT' })).toString('base64url');
}

/**
 * Refuses, before any parsing, a token whose header we never issue: another algorithm (`none`, RS256 against an
 * HMAC key), a `kid`, `jku`, `x5u` or any other header a forger might hope some library honours.
 */
function onlyIssuedHeader(token: string | null, issuedHeader: string): string | null {
  if (token !== null && !token.startsWith(`${issuedHeader}.`)) {
    throw new InvalidTokenException('The access token header is not one this server issues');
  }
  return token;
}
