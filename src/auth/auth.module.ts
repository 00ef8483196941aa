import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
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
import { TokenCookies } from './token-cookies.js';

@Module({
  imports: [UsersModule, RevocationModule, SessionsModule, ThrottlingModule, KeysModule],
  controllers: [AuthController, AccountController, SessionsController],
  providers: [
    AuthService,
    AccessTokenService,
    AccessTokenVerifier,
    PasswordHasher,
    TokenCookies,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AccessTokenVerifier, AccessTokenService, AuthService],
})
export class AuthModule {}
