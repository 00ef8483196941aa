import { Injectable } from '@nestjs/common';
import type { AccessTokenClaims, Principal } from '../auth/access-token-claims.js';
import { AccessTokenVerifier } from '../auth/access-token-verifier.js';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { InjectRevocationStore, type RevocationStore } from '../revocation/revocation-store.js';

export interface LiveAccessToken {
  principal: Principal;
  claims: AccessTokenClaims;
}

/** Answers what the guard would: whether a token is a valid access token of ours whose jti, session and user stand. */
@Injectable()
export class LiveAccessTokens {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
  ) {}

  /**
   * The token's principal and claims, or undefined when it does not verify (forged, tampered, expired, another
   * issuer, not a JWT at all) or is revoked. One store round trip, always: REVOCATION_CHECK never applies here.
   */
  async find(token: string): Promise<LiveAccessToken | undefined> {
    let verified: LiveAccessToken;
    try {
      verified = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenException) return undefined;
      throw error;
    }
    return (await this.revocations.isRevoked(verified.principal)) ? undefined : verified;
  }
}
