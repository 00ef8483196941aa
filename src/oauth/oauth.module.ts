import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { LiveAccessTokens } from './live-access-tokens.js';
import { OAuthController } from './oauth.controller.js';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

/** RFC 7009 revocation and RFC 7662 introspection, on the same stores and rules as the rest of the API. */
@Module({
  imports: [AuthModule, RevocationModule, SessionsModule, UsersModule],
  controllers: [OAuthController],
  providers: [ClientAuthenticator, LiveAccessTokens, TokenIntrospectionService, TokenRevocationService],
})
export class OAuthModule {}
