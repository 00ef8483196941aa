import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessTokenVerifier } from '../auth/access-token-verifier.js';
import type { AllConfig } from '../config/config.types.js';
import type { ConfiguredOAuthClient } from '../config/oauth.config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UsersService } from '../users/users.service.js';
import type { TokenIntrospectionDto } from './dto/token-introspection.dto.js';
import { lookupOrder, type TokenType } from './token-type-hint.js';

// RFC 7662 §2.2: nothing more about a token that is not active.
const INACTIVE: TokenIntrospectionDto = { active: false };

const toSeconds = (epochMs: number) => Math.floor(epochMs / 1000);

interface ActiveAnswer {
  answer: TokenIntrospectionDto;
  /** Whom the token is for: its `aud`, or for a refresh token the audience its session's access tokens carry. */
  audience: string;
}

/**
 * RFC 7662 introspection: whether a token works right now, as the guard and POST /refresh would decide, told only
 * to a client bound to the token's audience (§4); to any other client every token is `{"active": false}`.
 */
@Injectable()
export class TokenIntrospectionService {
  private readonly issuer: string;
  private readonly audience: string;

  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.issuer = config.get('jwt.issuer', { infer: true });
    this.audience = config.get('jwt.audience', { infer: true });
  }

  async introspect(token: string, client: ConfiguredOAuthClient, hint?: string): Promise<TokenIntrospectionDto> {
    for (const type of lookupOrder(hint)) {
      const active = await this.activeAnswer(type, token);
      if (active) return client.audiences.includes(active.audience) ? active.answer : INACTIVE;
    }
    return INACTIVE;
  }

  private activeAnswer(type: TokenType, token: string): Promise<ActiveAnswer | undefined> {
    return type === 'access_token' ? this.accessToken(token) : this.refreshToken(token);
  }

  private async accessToken(token: string): Promise<ActiveAnswer | undefined> {
    const live = await this.accessTokens.findLive(token);
    if (!live) return undefined;
    const { sub, sid, jti, roles, iat, exp, iss, aud } = live.claims;
    return {
      answer: {
        active: true,
        token_use: 'access_token',
        token_type: 'Bearer',
        sub,
        sid,
        jti,
        iat,
        exp,
        iss,
        aud,
        roles,
      },
      audience: aud,
    };
  }

  /**
   * Read-only: the token is not rotated, so the client can still use it. A session records no audience: every
   * access token it mints carries JWT_AUDIENCE, which the verifier requires of them all.
   */
  private async refreshToken(token: string): Promise<ActiveAnswer | undefined> {
    const current = await this.sessions.findByRefreshToken(token);
    if (!current) return undefined;
    const { userId, sessionId, refreshExpiresAtMs } = current.session;
    // As POST /refresh decides: a disabled account mints nothing, even before its sessions are gone.
    const user = await this.users.findById(userId);
    if (!user || user.disabled) return undefined;
    return {
      answer: {
        active: true,
        token_use: 'refresh_token',
        sub: userId,
        sid: sessionId,
        iat: toSeconds(current.issuedAtMs),
        exp: toSeconds(refreshExpiresAtMs),
        iss: this.issuer,
      },
      audience: this.audience,
    };
  }
}
