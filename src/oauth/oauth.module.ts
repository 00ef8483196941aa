import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { KeysModule } from '../auth/keys/keys.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizationServerMetadataController } from './authorization-server-metadata.controller.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { ClientFailureThrottle } from './client-failure-throttle.js';
import { OAuthController } from './oauth.controller.js';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

/**
 * RFC 7009 revocation and RFC 7662 introspection, on the same stores and rules as the rest of the API, and the
 * RFC 8414 metadata that lets OAuth libraries discover them.
 */
@Module({
  imports: [AuthModule, KeysModule, RevocationModule, SessionsModule, ThrottlingModule, UsersModule],
  controllers: [OAuthController, AuthorizationServerMetadataController],
  providers: [ClientAuthenticator, ClientFailureThrottle, TokenIntrospectionService, TokenRevocationService],
})
export class OAuthModule {}
