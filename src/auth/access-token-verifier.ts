import { Injectable } from '@nestjs/common';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { principalFromClaims, type AccessTokenClaims, type Principal } from './access-token-claims.js';
import { AccessTokenKeys } from './keys/access-token-keys.js';
import { refusalMessage } from './keys/token-verifier.js';

/**
 * Verifies an access token outside the request guard (introspection, RFC 7009 revocation) with the very keys and
 * rules of JwtStrategy (issued header only, algorithm pinned per key, issuer, audience, expiry, clock tolerance,
 * claim formats). It does not ask the revocation store; callers that need that ask it themselves.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(private readonly keys: AccessTokenKeys) {}

  /** The token's principal and claims, or an InvalidTokenException saying what was wrong. */
  async verify(token: string): Promise<{ principal: Principal; claims: AccessTokenClaims }> {
    const key = this.keys.keyFor(token);
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await key.claimsOf(token);
    } catch (error) {
      throw new InvalidTokenException(refusalMessage(error));
    }
    const principal = principalFromClaims(claims);
    if (!principal) throw new InvalidTokenException('The access token is missing a required claim');
    return { principal, claims: claims as AccessTokenClaims };
  }
}
