import { Body, Controller, Headers, HttpCode, HttpStatus, Ip, Post, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { ErrorResponse, RETRY_AFTER_HEADER } from '../common/errors/error-response.dto.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { ClientFailureThrottle } from './client-failure-throttle.js';
import { OAuthErrorDto } from './dto/oauth-error.dto.js';
import { TokenIntrospectionDto } from './dto/token-introspection.dto.js';
import { TokenRequestDto, type TokenRequest } from './dto/token-request.dto.js';
import { CLIENT_CHALLENGE, OAuthExceptionFilter } from './oauth-exception.filter.js';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { TokenRequestPipe } from './token-request.pipe.js';
import { TokenRevocationService } from './token-revocation.service.js';

/** The security scheme of the introspection clients, for the OpenAPI document's components. */
export const OAUTH_CLIENT_SCHEME = 'oauth-client';

const STORE_DOWN = {
  type: ErrorResponse,
  headers: RETRY_AFTER_HEADER,
  description: 'The store did not answer in time: retry; until a 200, assume the token still works (RFC 7009 §2.2.1)',
};
const CHALLENGE_HEADER = {
  'WWW-Authenticate': {
    description:
      `RFC 6749 §5.2 challenge, \`${CLIENT_CHALLENGE}\`, when the client used the Authorization header or sent no ` +
      'credentials; none for credentials in the body',
    schema: { type: 'string' },
  },
};
const TOO_MANY_FAILURES = {
  type: ErrorResponse,
  headers: RETRY_AFTER_HEADER,
  description:
    'Too many failed client authentications for this client id from this address (THROTTLE_OAUTH_CLIENT_LIMIT per ' +
    'THROTTLE_WINDOW): refused, whatever the secret, until Retry-After',
};

/**
 * Standard endpoints for other services and OAuth clients. They authenticate clients themselves: no bearer guard.
 * Their bodies are checked by TokenRequestPipe, not the global ValidationPipe: typed as the `TokenRequest` interface,
 * which that pipe passes by, and documented as TokenRequestDto with `@ApiBody`. Their `Pragma: no-cache` is set with
 * the security headers (security-headers.ts), so error answers carry it too.
 */
@ApiTags('oauth')
@ApiConsumes('application/x-www-form-urlencoded', 'application/json')
@Public()
@UseFilters(OAuthExceptionFilter)
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly clientFailures: ClientFailureThrottle,
    private readonly revocation: TokenRevocationService,
    private readonly introspection: TokenIntrospectionService,
  ) {}

  @Post('revoke')
  @HttpCode(HttpStatus.OK)
  // Either no credentials (`{}`) or an OAuth client's.
  @ApiSecurity({})
  @ApiBasicAuth(OAUTH_CLIENT_SCHEME)
  @ApiBody({ type: TokenRequestDto })
  @ApiOperation({
    summary: 'Revoke an access or refresh token (RFC 7009)',
    description:
      'An access token is logged out like POST /logout (its session ends too); a refresh token ends its session. ' +
      'Client credentials are optional (public clients prove themselves with the token); presented ones must be valid.',
  })
  @ApiOkResponse({ description: 'Revoked, or not a live token (unknown, expired, already revoked): nothing to do' })
  @ApiBadRequestResponse({ type: OAuthErrorDto, description: 'invalid_request: no token, unknown fields' })
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    headers: CHALLENGE_HEADER,
    description: 'invalid_client: credentials presented but wrong',
  })
  @ApiTooManyRequestsResponse(TOO_MANY_FAILURES)
  @ApiServiceUnavailableResponse(STORE_DOWN)
  async revoke(
    @Body(TokenRequestPipe) body: TokenRequest,
    @Ip() address: string,
    @Headers('authorization') authorization?: string,
  ): Promise<void> {
    await this.clientFailures.authenticate({ authorization, body, address }, (client) =>
      this.clients.allowPublic(client),
    );
    await this.revocation.revoke(body.token, body.token_type_hint);
  }

  @Post('introspect')
  @HttpCode(HttpStatus.OK)
  @ApiBasicAuth(OAUTH_CLIENT_SCHEME)
  @ApiBody({ type: TokenRequestDto })
  @ApiOperation({
    summary: 'Introspect an access or refresh token (RFC 7662)',
    description:
      'For clients of OAUTH_CLIENTS, by HTTP Basic or client_id and client_secret in the body. A token of an ' +
      'audience the client is not bound to is `{"active": false}`. Never rotates a refresh token.',
  })
  @ApiOkResponse({ type: TokenIntrospectionDto, description: '`{"active": false}` for any token that does not work' })
  @ApiBadRequestResponse({ type: OAuthErrorDto, description: 'invalid_request: no token, both auth methods' })
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    headers: CHALLENGE_HEADER,
    description: 'invalid_client: no, unknown or wrong credentials',
  })
  @ApiTooManyRequestsResponse(TOO_MANY_FAILURES)
  @ApiServiceUnavailableResponse(STORE_DOWN)
  async introspect(
    @Body(TokenRequestPipe) body: TokenRequest,
    @Ip() address: string,
    @Headers('authorization') authorization?: string,
  ): Promise<TokenIntrospectionDto> {
    const client = await this.clientFailures.authenticate({ authorization, body, address }, (presented) =>
      this.clients.requireConfidential(presented),
    );
    return this.introspection.introspect(body.token, client, body.token_type_hint);
  }
}
