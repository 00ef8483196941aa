import { ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { WrongCredentialsException } from '../common/errors/wrong-credentials.exception.js';
import { ACCOUNT_DELETED } from '../sessions/session-store.js';
import { SessionsService, type SessionTokens } from '../sessions/sessions.service.js';
import type { PublicUser, User } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AccessTokenService } from './access-token.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { PasswordHasher } from './password-hasher.service.js';

const BAD_CREDENTIALS = 'Invalid email or password';
const REFRESH_REFUSED = 'The refresh token is invalid, expired or revoked';

/**
 * Orchestrates accounts, sessions and tokens; each of those lives in its own provider.
 *
 * Every change to an account that must revoke its tokens runs in the same order: end the sessions, change the
 * account, end the sessions again. A failure part-way leaves the tokens dead and the account unchanged, never the
 * other way round, and a retry finishes the job. The second pass also records the account's new version, and a
 * session opens only for an account read at that version or later: a login that read the account before a change
 * either opened its session before the second pass (which ends it) or is refused.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    private readonly sessions: SessionsService,
  ) {}

  async register({ email, password }: RegisterDto): Promise<PublicUser> {
    return this.users.create(email, await this.passwords.hash(password));
  }

  /**
   * One login opens one session (`sid`). The same 401, after the same hashing work, whether the email is unknown,
   * the password wrong or the account disabled: the answer reveals nothing about the account.
   */
  async login({ email, password }: LoginDto, userAgent?: string): Promise<TokenResponse> {
    const user = await this.users.findByEmail(email);
    const passwordMatches = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !passwordMatches || user.disabled) throw new WrongCredentialsException(BAD_CREDENTIALS);
    // Disabled, deleted, given new roles or a new password since it was read: the session does not open.
    const tokens = await this.sessions.open(user.id, user.version, userAgent);
    if (!tokens) throw new UnauthorizedException(BAD_CREDENTIALS);
    return this.handOut(tokens, user, BAD_CREDENTIALS);
  }

  /** Rotates the refresh token and mints a new access token for the same session, with the user's current roles. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const tokens = await this.sessions.rotate(refreshToken);
    return this.handOut(tokens, await this.users.findById(tokens.userId), REFRESH_REFUSED);
  }

  /** Revokes the presented token (until it could no longer verify anyway) and ends its session. */
  logout(principal: Principal): Promise<void> {
    return this.sessions.endWithToken(principal);
  }

  async logoutEverywhere(principal: Principal): Promise<void> {
    await this.sessions.endAll(principal.userId, { action: 'logout-all', actorId: principal.userId });
  }

  /**
   * Changes the password, ends every session (this one too) and opens a fresh session for the caller: the one new
   * session a revocation hands out. A retry of a change that was applied before its answer was lost (the new
   * password already works) completes it. 401 when the caller's token was revoked meanwhile, 409 when another
   * change of the password won the race.
   */
  async changePassword(principal: Principal, body: ChangePasswordDto, userAgent?: string): Promise<TokenResponse> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new InvalidTokenException('The account no longer exists');
    const applied = await this.passwordChangeState(user, body);
    const passwordHash = applied ? user.passwordHash : await this.passwords.hash(body.new_password);
    await this.sessions.endOthers(principal);
    const version = applied
      ? user.version
      : await this.users.replacePasswordHash(user.id, user.passwordHash, passwordHash);
    if (version === undefined) throw new ConflictException('The password was changed by another request meanwhile');
    // Ends the sessions opened meanwhile (with the old password) and the caller's own, and opens the caller's next.
    const why = { action: 'password-change', actorId: user.id } as const;
    const tokens = await this.sessions.reopen(principal, userAgent, why, version);
    return this.handOut(tokens, await this.users.findById(tokens.userId), 'The account was disabled or deleted');
  }

  /**
   * Deletes the caller's account: every other session ends first, then the record and email go, then every
   * session (the caller's too). A retry after the account went finishes the revocation.
   */
  async deleteAccount(principal: Principal, password: string): Promise<void> {
    const user = await this.users.findById(principal.userId);
    if (user) {
      if (!(await this.passwords.verify(user.passwordHash, password))) {
        throw new WrongCredentialsException('The current password is wrong');
      }
      await this.sessions.endOthers(principal);
      await this.users.delete(user.id);
    }
    const why = { action: 'account-delete', actorId: principal.userId } as const;
    await this.sessions.endAll(principal.userId, why, ACCOUNT_DELETED);
  }

  /** True when the change was applied already (a retry: the new password is the current one); 401 when neither. */
  private async passwordChangeState(user: User, body: ChangePasswordDto): Promise<boolean> {
    if (await this.passwords.verify(user.passwordHash, body.current_password)) return false;
    if (await this.passwords.verify(user.passwordHash, body.new_password)) return true;
    throw new WrongCredentialsException('The current password is wrong');
  }

  /**
   * The one way a session's tokens reach a client (login, refresh, password change): its refresh token with an
   * access token minted for `user`, the account as the session opened for it (a login's read, which the session
   * store checked) or as re-read after a rotation or a password change (its current roles). A session whose tokens
   * cannot be handed out (the account was disabled or deleted meanwhile, or minting failed) is ended on the spot,
   * with `refusal` as the 401's message: no session is left open with tokens nobody holds.
   */
  private async handOut(tokens: SessionTokens, user: User | undefined, refusal: string): Promise<TokenResponse> {
    try {
      if (!user || user.disabled) throw new InvalidTokenException(refusal);
      return await this.tokensFor(user, tokens);
    } catch (error) {
      await this.sessions.discard(tokens);
      throw error;
    }
  }

  private async tokensFor(user: User, tokens: SessionTokens): Promise<TokenResponse> {
    const access = await this.accessTokens.issue(user.id, tokens.sessionId, user.roles, tokens.epoch);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSeconds,
      refresh_token: tokens.refreshToken,
      refresh_expires_in: Math.max(0, Math.round((tokens.refreshExpiresAtMs - Date.now()) / 1000)),
    };
  }
}
