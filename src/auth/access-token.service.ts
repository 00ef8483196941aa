import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import type { AllConfig } from '../config/config.types.js';
import type { AccessTokenClaims } from './access-token-claims.js';

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

/** Mints access tokens. Signing algorithm, key, issuer, audience and lifetime come from JwtModule's config. */
@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.ttlSeconds = config.get('jwt.accessTtlSeconds', { infer: true });
  }

  /**
   * `issuedAtMs`: when the facts in the token (the user's roles, that it may log in) were read. Dating the token
   * then, not now, lets a not-before mark raised in between (a concurrent disable or role change) refuse it.
   */
  async issue(userId: string, sessionId: string, roles: string[], issuedAtMs: number): Promise<IssuedAccessToken> {
    const claims: Pick<AccessTokenClaims, 'sub' | 'jti' | 'sid' | 'roles' | 'iat_ms' | 'iat'> = {
      sub: userId,
      jti: randomUUID(),
      sid: sessionId,
      roles,
      iat_ms: issuedAtMs,
      iat: Math.floor(issuedAtMs / 1000),
    };
    const token = await this.jwt.signAsync(claims, { expiresIn: this.ttlSeconds });
    return { token, expiresInSeconds: this.ttlSeconds };
  }
}
