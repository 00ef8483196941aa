import { createPublicKey, type KeyObject } from 'node:crypto';

/** The public members of a JSON Web Key (RFC 7518 §6): all a JWKS may hold. */
export interface PublicJwk {
  kty: 'RSA' | 'EC' | 'OKP';
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

const PUBLIC_MEMBERS = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] } as const;

/**
 * The public JWK of an asymmetric key. Members are copied by name from an allow-list, so neither a private key nor a
 * future member of Node's export can put `d`, `p`, `q`, `dp`, `dq` or `qi` into a published document.
 */
export function publicJwk(key: KeyObject): PublicJwk {
  const exported = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  const kty = exported.kty as PublicJwk['kty'];
  const members = PUBLIC_MEMBERS[kty];
  if (!members) throw new Error(`A key of JWK type ${exported.kty} cannot be published`);
  const jwk: PublicJwk = { kty };
  for (const member of members) jwk[member] = exported[member];
  return jwk;
}
