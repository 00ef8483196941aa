import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessTokenKeys } from '../auth/keys/access-token-keys.js';
import { Public } from '../common/decorators/public.decorator.js';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import type { AllConfig } from '../config/config.types.js';
import { DOCS_PATH } from '../openapi/openapi.setup.js';
import {
  authorizationServerMetadata,
  issuerIdentifierProblem,
  type AuthorizationServerMetadata,
} from './authorization-server-metadata.js';
import { AuthorizationServerMetadataDto } from './dto/authorization-server-metadata.dto.js';

/** Where app.setup.ts keeps this route out of API_PREFIX: a well-known URI lives at the root (RFC 8615). */
export const AUTHORIZATION_SERVER_METADATA_PATH = '.well-known/oauth-authorization-server';

@ApiTags('oauth')
@Public()
@Controller()
export class AuthorizationServerMetadataController {
  private readonly metadata: AuthorizationServerMetadata | undefined;
  private readonly unavailable: string;

  constructor(keys: AccessTokenKeys, config: ConfigService<AllConfig, true>) {
    const issuer = config.get('jwt.issuer', { infer: true });
    const { apiPrefix, docsEnabled } = config.get('app', { infer: true });
    this.metadata = authorizationServerMetadata(
      { issuer, apiPrefix, docsPath: docsEnabled ? DOCS_PATH : undefined },
      keys,
    );
    this.unavailable =
      `No authorization server metadata: JWT_ISSUER ${issuerIdentifierProblem(issuer)}; ` +
      'set it to the public https URL of this API, e.g. https://auth.example.com';
  }

  @Get(AUTHORIZATION_SERVER_METADATA_PATH)
  // Changes only with the configuration; as long as the JWKS, whose rotation may add an algorithm.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414)',
    description:
      'Where the introspection, revocation and JWKS endpoints are, and how clients authenticate to them, for OAuth ' +
      "libraries' discovery. Served when JWT_ISSUER is this API's public URL; never under API_PREFIX.",
  })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'JWT_ISSUER is not a URL, so there is no issuer identifier',
  })
  authorizationServerMetadata(): AuthorizationServerMetadata {
    if (!this.metadata) throw new NotFoundException(this.unavailable);
    return this.metadata;
  }
}
