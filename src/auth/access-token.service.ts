import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { SignJWT } from 'jose';
import type { AllConfig } from '../config/config.types.js';
import type { AccessTokenClaims } from './access-token-claims.js';
import { AccessTokenKeys } from './keys/access-token-keys.js';

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

/** Mints access tokens, signed with the current signing key; issuer, audience and lifetime come from the config. */
@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;
  private readonly issuer: string;
  private readonly audience: string;

  constructor(
    private readonly keys: AccessTokenKeys,
    private readonly signer: JwtService,
    config: ConfigService<AllConfig, true>,
  ) {
    const jwt = config.get('jwt', { infer: true });
    this.ttlSeconds = jwt.accessTtlSeconds;
    this.issuer = jwt.issuer;
    this.audience = jwt.audience;
  }

  /** An access token of the session, in the store epoch the session was opened or rotated in. */
  async issue(userId: string, sessionId: string, roles: string[], epoch: string): Promise<IssuedAccessToken> {
    const claims: Pick<AccessTokenClaims, 'sub' | 'jti' | 'sid' | 'roles' | 'ep' | 'iat'> = {
      sub: userId,
      jti: randomUUID(),
      sid: sessionId,
      roles,
      ep: epoch,
      iat: Math.floor(Date.now() / 1000),
    };
    const { header, key } = this.keys.signing;
    // Either way the header is {alg, typ, kid} in that order: the segment the guard looks up (a test pins it).
    const token =
      header.alg === 'EdDSA'
        ? // jsonwebtoken (under @nestjs/jwt) has no EdDSA; jose signs it.
          await new SignJWT(claims)
            .setProtectedHeader(header)
            .setIssuer(this.issuer)
            .setAudience(this.audience)
            .setExpirationTime(claims.iat + this.ttlSeconds)
            .sign(key)
        : await this.signer.signAsync(claims, {
            algorithm: header.alg,
            keyid: header.kid,
            privateKey: key,
            issuer: this.issuer,
            audience: this.audience,
            expiresIn: this.ttlSeconds,
          });
    return { token, expiresInSeconds: this.ttlSeconds };
  }
}
