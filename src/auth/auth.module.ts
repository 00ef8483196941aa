import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AccountController } from './account.controller.js';
import { AuthController } from './auth.controller.js';
import { SessionsController } from './sessions.controller.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { KeysModule } from './keys/keys.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { TokenCookies } from './token-cookies.js';

@Module({
  // JwtModule without a default key: AccessTokenService hands it the current signing key on every call.
  imports: [UsersModule, RevocationModule, SessionsModule, ThrottlingModule, KeysModule, JwtModule],
  controllers: [AuthController, AccountController, SessionsController],
  providers: [
    AuthService,
    AccessTokenService,
    AccessTokenVerifier,
    PasswordHasher,
    TokenCookies,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AccessTokenVerifier, AccessTokenService, AuthService],
})
export class AuthModule {}
