import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../config/signing-keys.js';
import type { AuthorizationServerMetadata } from '../authorization-server-metadata.js';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/** RFC 8414 §2 authorization server metadata. Every URL is absolute, built from JWT_ISSUER and API_PREFIX. */
export class AuthorizationServerMetadataDto implements AuthorizationServerMetadata {
  @ApiProperty({ description: 'JWT_ISSUER: the issuer identifier and the `iss` of every token', format: 'uri' })
  issuer!: string;

  @ApiProperty({ description: 'The public keys of the access tokens (empty with HS256)', format: 'uri' })
  jwks_uri!: string;

  @ApiProperty({ description: 'POST /oauth/introspect (RFC 7662)', format: 'uri' })
  introspection_endpoint!: string;

  @ApiProperty({ type: [String], example: CLIENT_AUTH_METHODS })
  introspection_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ description: 'POST /oauth/revoke (RFC 7009)', format: 'uri' })
  revocation_endpoint!: string;

  @ApiProperty({ type: [String], example: ['none', ...CLIENT_AUTH_METHODS] })
  revocation_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: [], description: 'Empty: no authorization endpoint' })
  response_types_supported!: string[];

  @ApiProperty({ type: [String], example: [], description: 'Empty: no token endpoint (tokens come from /login)' })
  grant_types_supported!: string[];

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...SIGNING_ALGORITHMS] },
    description: 'Extension member: the algorithms of the access tokens accepted, the signing one first',
  })
  access_token_signing_alg_values_supported!: SigningAlgorithm[];

  @ApiPropertyOptional({ description: 'The OpenAPI UI, when API_DOCS serves it', format: 'uri' })
  service_documentation?: string;
}
