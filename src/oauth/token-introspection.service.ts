import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UsersService } from '../users/users.service.js';
import type { TokenIntrospectionDto } from './dto/token-introspection.dto.js';
import { LiveAccessTokens } from './live-access-tokens.js';
import { lookupOrder, type TokenType } from './token-type-hint.js';

// RFC 7662 §2.2: nothing more about a token that is not active.
const INACTIVE: TokenIntrospectionDto = { active: false };

const toSeconds = (epochMs: number) => Math.floor(epochMs / 1000);

/** RFC 7662 introspection: whether a token works right now, as the guard and POST /refresh would decide. */
@Injectable()
export class TokenIntrospectionService {
  private readonly issuer: string;

  constructor(
    private readonly accessTokens: LiveAccessTokens,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.issuer = config.get('jwt.issuer', { infer: true });
  }

  async introspect(token: string, hint?: string): Promise<TokenIntrospectionDto> {
    for (const type of lookupOrder(hint)) {
      const answer = await this.activeAnswer(type, token);
      if (answer) return answer;
    }
    return INACTIVE;
  }

  private activeAnswer(type: TokenType, token: string): Promise<TokenIntrospectionDto | undefined> {
    return type === 'access_token' ? this.accessToken(token) : this.refreshToken(token);
  }

  private async accessToken(token: string): Promise<TokenIntrospectionDto | undefined> {
    const live = await this.accessTokens.find(token);
    if (!live) return undefined;
    const { sub, sid, jti, roles, iat, exp, iss, aud } = live.claims;
    return { active: true, token_use: 'access_token', token_type: 'Bearer', sub, sid, jti, iat, exp, iss, aud, roles };
  }

  /** Read-only: the token is not rotated, so the client can still use it. */
  private async refreshToken(token: string): Promise<TokenIntrospectionDto | undefined> {
    const current = await this.sessions.findByRefreshToken(token);
    if (!current) return undefined;
    const { userId, sessionId, refreshExpiresAtMs } = current.session;
    // As POST /refresh decides: a disabled account mints nothing, even before its sessions are gone.
    const user = await this.users.findById(userId);
    if (!user || user.disabled) return undefined;
    return {
      active: true,
      token_use: 'refresh_token',
      sub: userId,
      sid: sessionId,
      iat: toSeconds(current.issuedAtMs),
      exp: toSeconds(refreshExpiresAtMs),
      iss: this.issuer,
    };
  }
}
