import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../config/config.types.js';
import { principalFromClaims, type AccessTokenClaims, type Principal } from './access-token-claims.js';
import { issuedHeaderSegment } from './strategies/jwt.strategy.js';

/**
 * Verifies an access token outside the request guard (introspection, RFC 7009 revocation): the same strict rules
 * as JwtStrategy (issued header only, pinned algorithm, issuer, audience, expiry, clock tolerance, claim formats).
 * It does not ask the revocation store; callers that need that ask it themselves.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly issuedHeader: string;
  private readonly options: { algorithms: ['HS256']; issuer: string; audience: string; clockTolerance: number };

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<AllConfig, true>,
  ) {
    const settings = config.get('jwt', { infer: true });
    this.issuedHeader = issuedHeaderSegment(settings.algorithm);
    this.options = {
      algorithms: [settings.algorithm],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: settings.clockToleranceSeconds,
    };
  }

  /** The token's principal and claims, or an InvalidTokenException saying what was wrong. */
  async verify(token: string): Promise<{ principal: Principal; claims: AccessTokenClaims }> {
    if (!token.startsWith(`${this.issuedHeader}.`)) {
      throw new InvalidTokenException('The access token header is not one this server issues');
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, this.options);
    } catch (error) {
      const expired = error instanceof Error && error.name === 'TokenExpiredError';
      throw new InvalidTokenException(expired ? 'The access token has expired' : 'The access token is invalid');
    }
    const principal = principalFromClaims(claims);
    if (!principal) throw new InvalidTokenException('The access token is missing a required claim');
    return { principal, claims };
  }
}
