import { randomUUID } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import { InjectRevocationStore, type RevocationStore } from '../revocation/revocation-store.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AccessTokenService } from './access-token.service.js';
import type { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { PasswordHasher } from './password-hasher.service.js';

const DEFAULT_ROLES = ['user'];

@Injectable()
export class AuthService {
  private readonly clockToleranceMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    @InjectRevocationStore() private readonly revocations: RevocationStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.clockToleranceMs = config.get('jwt.clockToleranceSeconds', { infer: true }) * 1000;
  }

  async register({ email, password }: RegisterDto): Promise<PublicUser> {
    return this.users.create(email, await this.passwords.hash(password));
  }

  /** One login opens one session (`sid`); the same 401 whether the email is unknown or the password wrong. */
  async login({ email, password }: LoginDto): Promise<TokenResponse> {
    const user = await this.users.findByEmail(email);
    if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
      throw new UnauthorizedException('Invalid email or password');
    }
    const { token, expiresInSeconds } = await this.accessTokens.issue(user.id, randomUUID(), DEFAULT_ROLES);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresInSeconds };
  }

  /**
   * Revokes the presented token and ends its session. Each entry lives until the last moment a token it refuses
   * could still verify (its expiry plus the clock tolerance); a session holds only the token minted at its login.
   */
  async logout(principal: Principal): Promise<void> {
    const lastValidAtMs = principal.expiresAtMs + this.clockToleranceMs;
    await this.revocations.revokeTokenAndSession(principal, lastValidAtMs, lastValidAtMs);
  }
}
