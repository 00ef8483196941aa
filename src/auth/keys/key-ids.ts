import { hkdfSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { PublicJwk } from './public-jwk.js';

const SECRET_KEY_ID_BYTES = 12;

/** The `kid` of a public key: its RFC 7638 JWK thumbprint (SHA-256), which anyone holding the key can recompute. */
export function thumbprintKeyId(jwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/**
 * The `kid` of the HMAC secret: 96 bits of HKDF output under a label of its own. It tells secrets apart without
 * revealing anything about them, or about the refresh-token key HKDF derives from the same secret.
 */
export function secretKeyId(secret: KeyObject): string {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'access-token-kid', SECRET_KEY_ID_BYTES)).toString(
    'base64url',
  );
}
