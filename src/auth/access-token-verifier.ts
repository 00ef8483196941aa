import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../config/config.types.js';
import { InjectRevocationStore, type RevocationStore } from '../revocation/revocation-store.js';
import { principalFromClaims, type AccessTokenClaims, type Principal } from './access-token-claims.js';
import { AccessTokenKeys } from './keys/access-token-keys.js';

export interface VerifiedAccessToken {
  principal: Principal;
  claims: AccessTokenClaims;
}

/**
 * The one way an access token is accepted, by the guard and by the OAuth endpoints alike:
 * 1. its key, found by the token's exact header segment (AccessTokenKeys.keyFor: any other header is refused);
 * 2. its signature with that key's pinned algorithm, issuer, audience, expiry and clock tolerance (token-verifier.ts);
 * 3. its claim formats (principalFromClaims);
 * 4. at most one store round trip: was its jti, its session or its user's earlier tokens revoked, or is it of an
 *    earlier store epoch (RevocationStore.answerFromMemory, else RevocationStore.isRevoked)?
 * Steps 1 to 3 are synchronous and throw InvalidTokenException (401); a store that cannot answer rejects with
 * StoreUnavailableError (503), never an acceptance.
 */
@Injectable()
export class AccessTokenVerifier {
  /** REVOCATION_CHECK=off (refused in production) skips step 4 for the guard: the bench's baseline. */
  private readonly checkRevocation: boolean;

  constructor(
    private readonly keys: AccessTokenKeys,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.checkRevocation = config.get('jwt.revocationCheck', { infer: true });
  }

  /** Steps 1 to 3: the token's principal and claims, or an InvalidTokenException saying what was wrong. */
  verify(token: string): VerifiedAccessToken {
    const claims = this.keys.keyFor(token).verify(token);
    const principal = principalFromClaims(claims);
    if (!principal) throw new InvalidTokenException('The access token is missing a required claim');
    return { principal, claims: claims as AccessTokenClaims };
  }

  /** The guard's question, all four steps: the caller, or 401 (invalid or revoked) or 503. */
  async authenticate(token: string): Promise<Principal> {
    const { principal } = this.verify(token);
    // From the store's memory when it knows (no promise to wait on: most requests), else its one round trip.
    const revocations = this.revocations;
    if (this.checkRevocation && (revocations.answerFromMemory(principal) ?? (await revocations.isRevoked(principal)))) {
      throw new InvalidTokenException('The access token has been revoked');
    }
    return principal;
  }

  /**
   * Introspection's and RFC 7009's question: the token when it is a valid access token of ours that was not
   * revoked, else undefined (forged, tampered, expired, another issuer, not a JWT at all, revoked). The store is
   * always asked: REVOCATION_CHECK never applies here.
   */
  async findLive(token: string): Promise<VerifiedAccessToken | undefined> {
    let verified: VerifiedAccessToken;
    try {
      verified = this.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenException) return undefined;
      throw error;
    }
    const { principal } = verified;
    const revocations = this.revocations;
    return (revocations.answerFromMemory(principal) ?? (await revocations.isRevoked(principal))) ? undefined : verified;
  }
}
