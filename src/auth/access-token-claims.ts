import { EPOCH_ID } from '../epoch/store-epoch.js';

/** The claims of an access token, as signed. `iat`, `exp`, `iss` and `aud` are set by the signer. */
export interface AccessTokenClaims {
  sub: string;
  jti: string;
  sid: string;
  roles: string[];
  /** The store epoch the token was minted in: once the revocation store is found to have lost data, it is refused. */
  ep: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

/** The caller of a protected route, as the guard establishes it. */
export interface Principal {
  readonly userId: string;
  readonly jti: string;
  readonly sessionId: string;
  readonly roles: readonly string[];
  readonly epoch: string;
  readonly expiresAtMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The principal of a token whose signature, issuer, audience and expiry were already verified, or undefined when a
 * claim is missing or malformed. Ids are checked strictly because they become parts of store keys.
 */
export function principalFromClaims(claims: Readonly<Partial<AccessTokenClaims>>): Principal | undefined {
  const { sub, jti, sid, roles, ep, iat, exp } = claims;
  if (typeof sub !== 'string' || !UUID.test(sub)) return undefined;
  if (typeof jti !== 'string' || !UUID_V4.test(jti)) return undefined;
  if (typeof sid !== 'string' || !UUID_V4.test(sid)) return undefined;
  if (typeof ep !== 'string' || !EPOCH_ID.test(ep)) return undefined;
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) return undefined;
  if (!Number.isInteger(exp) || !Number.isInteger(iat)) return undefined;
  return { userId: sub, jti, sessionId: sid, roles, epoch: ep, expiresAtMs: (exp as number) * 1000 };
}
