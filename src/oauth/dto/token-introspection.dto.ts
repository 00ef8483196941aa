import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TokenType } from '../token-type-hint.js';

/**
 * RFC 7662 §2.2 introspection response. An inactive token is `{"active": false}` and nothing else; an active one
 * carries the members below (`jti`, `aud`, `roles` and `token_type` for access tokens only).
 */
export class TokenIntrospectionDto {
  @ApiProperty({ description: 'Whether the token is valid now: issued here, unexpired and not revoked' })
  active: boolean;

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'], description: 'Which kind of token this is' })
  token_use?: TokenType;

  @ApiPropertyOptional({ enum: ['Bearer'], description: 'RFC 6749 §5.1 token type (access tokens)' })
  token_type?: 'Bearer';

  @ApiPropertyOptional({ description: 'User id', format: 'uuid' })
  sub?: string;

  @ApiPropertyOptional({ description: 'Session id: every token of one login shares it', format: 'uuid' })
  sid?: string;

  @ApiPropertyOptional({ description: 'Token id (access tokens)', format: 'uuid' })
  jti?: string;

  @ApiPropertyOptional({ description: 'Issued at, seconds since the epoch' })
  iat?: number;

  @ApiPropertyOptional({ description: 'Expires at, seconds since the epoch' })
  exp?: number;

  @ApiPropertyOptional({ description: 'Issuer (JWT_ISSUER)' })
  iss?: string;

  @ApiPropertyOptional({ description: 'Audience (JWT_AUDIENCE; access tokens)' })
  aud?: string;

  @ApiPropertyOptional({ type: [String], description: "The user's roles when the token was issued (access tokens)" })
  roles?: string[];
}
