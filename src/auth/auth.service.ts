import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../config/config.types.js';
import { SessionsService, type SessionGrant } from '../sessions/sessions.service.js';
import type { PublicUser, User } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AccessTokenService } from './access-token.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { PasswordHasher } from './password-hasher.service.js';

const BAD_CREDENTIALS = 'Invalid email or password';

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

  /**
   * One login opens one session (`sid`). The same 401, after the same hashing work, whether the email is unknown,
   * the password wrong or the account disabled: the answer reveals nothing about the account.
   */
  async login({ email, password }: LoginDto, userAgent?: string): Promise<TokenResponse> {
    const readAtMs = Date.now();
    const user = await this.users.findByEmail(email);
    const passwordMatches = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !passwordMatches || user.disabled) throw new UnauthorizedException(BAD_CREDENTIALS);
    const grant = await this.sessions.start(user.id, userAgent, readAtMs);
    if (!(await this.sessions.survivedStart(grant))) throw new UnauthorizedException(BAD_CREDENTIALS);
    return this.tokensFor(user, grant);
  }

  /** Rotates the refresh token and mints a new access token for the same session, with the user's current roles. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const grant = await this.sessions.rotate(refreshToken);
    const readAtMs = Date.now();
    const user = await this.users.findById(grant.userId);
    if (!user || user.disabled) throw new InvalidTokenException('The refresh token is invalid, expired or revoked');
    return this.tokensFor(user, { ...grant, issuedAtMs: readAtMs });
  }

  /** Revokes the presented token (until it could no longer verify anyway) and ends its session. */
  logout(principal: Principal): Promise<void> {
    return this.sessions.endWithToken(principal, principal.expiresAtMs + this.clockToleranceMs);
  }

  async logoutEverywhere(principal: Principal): Promise<void> {
    await this.sessions.endAll(principal.userId, { action: 'logout-all', actorId: principal.userId });
  }

  /** Changes the password, ends every session (this one too) and opens a fresh session for the caller. */
  async changePassword(principal: Principal, body: ChangePasswordDto, userAgent?: string): Promise<TokenResponse> {
    const user = await this.verifiedUser(principal, body.current_password);
    await this.users.update(user.id, { passwordHash: await this.passwords.hash(body.new_password) });
    const notBeforeMs = await this.sessions.endAll(user.id, { action: 'password-change', actorId: user.id });
    // The new session starts after our own mark, with the user as it is now (roles may have changed meanwhile).
    const current = await this.users.get(user.id);
    return this.tokensFor(current, await this.sessions.start(user.id, userAgent, notBeforeMs + 1));
  }

  /** Deletes the caller's account: every token and session is refused first, then the record and email go. */
  async deleteAccount(principal: Principal, password: string): Promise<void> {
    const user = await this.verifiedUser(principal, password);
    await this.sessions.endAll(user.id, { action: 'account-delete', actorId: user.id });
    await this.users.delete(user.id);
  }

  private async verifiedUser(principal: Principal, password: string): Promise<User> {
    const user = await this.users.findById(principal.userId);
    if (!user || !(await this.passwords.verify(user.passwordHash, password))) {
      throw new UnauthorizedException('The current password is wrong');
    }
    return user;
  }

  private async tokensFor(user: User, grant: SessionGrant): Promise<TokenResponse> {
    const access = await this.accessTokens.issue(user.id, grant.sessionId, user.roles, grant.issuedAtMs);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSeconds,
      refresh_token: grant.refreshToken,
      refresh_expires_in: Math.max(0, Math.round((grant.refreshExpiresAtMs - Date.now()) / 1000)),
    };
  }
}
