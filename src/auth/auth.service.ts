import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { SessionsService, type SessionGrant } from '../sessions/sessions.service.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AccessTokenService } from './access-token.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { PasswordHasher } from './password-hasher.service.js';

const DEFAULT_ROLES = ['user'];

/** Orchestrates accounts, sessions and tokens; each of those lives in its own provider. */
@Injectable()
export class AuthService {
  private readonly clockToleranceMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    private readonly sessions: SessionsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.clockToleranceMs = config.get('jwt.clockToleranceSeconds', { infer: true }) * 1000;
  }

  async register({ email, password }: RegisterDto): Promise<PublicUser> {
    return this.users.create(email, await this.passwords.hash(password));
  }

  /** One login opens one session (`sid`); the same 401 whether the email is unknown or the password wrong. */
  async login({ email, password }: LoginDto, userAgent?: string): Promise<TokenResponse> {
    const user = await this.users.findByEmail(email);
    if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
      throw new UnauthorizedException('Invalid email or password');
    }
    return this.tokensFor(await this.sessions.start(user.id, userAgent));
  }

  /** Rotates the refresh token and mints a new access token for the same session. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const grant = await this.sessions.rotate(refreshToken);
    if (!(await this.users.findById(grant.userId))) {
      throw new InvalidTokenException('The refresh token is invalid, expired or revoked');
    }
    return this.tokensFor(grant);
  }

  /** Revokes the presented token (until it could no longer verify anyway) and ends its session. */
  logout(principal: Principal): Promise<void> {
    return this.sessions.endWithToken(principal, principal.expiresAtMs + this.clockToleranceMs);
  }

  async logoutEverywhere(principal: Principal): Promise<void> {
    await this.sessions.endAll(principal.userId);
  }

  /** Changes the password, ends every session (this one too) and opens a fresh session for the caller. */
  async changePassword(principal: Principal, body: ChangePasswordDto, userAgent?: string): Promise<TokenResponse> {
    const user = await this.users.findById(principal.userId);
    if (!(await this.passwords.verify(user?.passwordHash, body.current_password))) {
      throw new UnauthorizedException('The current password is wrong');
    }
    await this.users.updatePasswordHash(principal.userId, await this.passwords.hash(body.new_password));
    const notBeforeMs = await this.sessions.endAll(principal.userId);
    return this.tokensFor(await this.sessions.start(principal.userId, userAgent, notBeforeMs));
  }

  private async tokensFor(grant: SessionGrant): Promise<TokenResponse> {
    const access = await this.accessTokens.issue(grant.userId, grant.sessionId, DEFAULT_ROLES, grant.mintNotBeforeMs);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSeconds,
      refresh_token: grant.refreshToken,
      refresh_expires_in: Math.max(0, Math.round((grant.refreshExpiresAtMs - Date.now()) / 1000)),
    };
  }
}
