import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from '../auth/access-token-verifier.js';
import { AuthService } from '../auth/auth.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { lookupOrder, type TokenType } from './token-type-hint.js';

/**
 * RFC 7009 revocation. A live access token is logged out exactly as `POST /logout` does (its jti and its session);
 * a current refresh token ends its session, which refuses every access token of the same grant (§2.1). Anything
 * else (unknown, malformed, expired, foreign, already revoked) changes nothing: the endpoint answers 200 (§2.2).
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  async revoke(token: string, hint?: string): Promise<void> {
    for (const type of lookupOrder(hint)) {
      if (await this.revokeAs(type, token)) return;
    }
  }

  /** True when the token was a live token of that type and is now revoked. */
  private async revokeAs(type: TokenType, token: string): Promise<boolean> {
    if (type === 'refresh_token') return this.sessions.endWithRefreshToken(token);
    const live = await this.accessTokens.findLive(token);
    if (!live) return false;
    await this.auth.logout(live.principal);
    return true;
  }
}
