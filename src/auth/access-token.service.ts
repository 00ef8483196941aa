import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createSigner } from 'fast-jwt';
import type { AllConfig } from '../config/config.types.js';
import type { AccessTokenClaims } from './access-token-claims.js';
import { AccessTokenKeys } from './keys/access-token-keys.js';

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

type Claims = Pick<AccessTokenClaims, 'sub' | 'jti' | 'sid' | 'roles' | 'ep' | 'iat'>;

/**
 * Mints access tokens, signed with the current signing key by fast-jwt (the library that verifies them, for every
 * algorithm: HS256, RS256, ES256, EdDSA); issuer, audience and lifetime come from the config.
 */
@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;
  private readonly sign: (claims: Claims) => string;

  constructor(keys: AccessTokenKeys, config: ConfigService<AllConfig, true>) {
    const jwt = config.get('jwt', { infer: true });
    this.ttlSeconds = jwt.accessTtlSeconds;
    const { header, key } = keys.signing;
    // The header comes out as {alg, typ, kid} in that order: the segment the guard looks up (a test pins it).
    this.sign = createSigner({
      // fast-jwt takes the HMAC secret's bytes and a private key's PEM; it parses each once.
      key: key.type === 'secret' ? key.export() : (key.export({ type: 'pkcs8', format: 'pem' }) as string),
      algorithm: header.alg,
      kid: header.kid,
      iss: jwt.issuer,
      aud: jwt.audience,
      expiresIn: this.ttlSeconds * 1000,
    });
  }

  /** An access token of the session, in the store epoch the session was opened or rotated in. */
  issue(userId: string, sessionId: string, roles: string[], epoch: string): Promise<IssuedAccessToken> {
    const token = this.sign({
      sub: userId,
      jti: randomUUID(),
      sid: sessionId,
      roles,
      ep: epoch,
      iat: Math.floor(Date.now() / 1000),
    });
    return Promise.resolve({ token, expiresInSeconds: this.ttlSeconds });
  }
}
