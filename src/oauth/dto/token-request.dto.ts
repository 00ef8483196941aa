import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { ClientBodyParameters } from '../client-credentials.js';

/** RFC 7009 §2.1 and RFC 7662 §2.1 request parameters, form-encoded or JSON, with RFC 6749 §2.3.1 body credentials. */
export class TokenRequestDto implements ClientBodyParameters {
  @ApiProperty({ description: 'The access token or refresh token to revoke or introspect', maxLength: 8192 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8192)
  token: string;

  @ApiPropertyOptional({
    description:
      '`access_token` or `refresh_token`: which lookup to try first. Both are always tried; other values are ignored',
    example: 'refresh_token',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;

  @ApiPropertyOptional({
    description: 'Client id, when the client authenticates in the body instead of HTTP Basic (never both)',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_id?: string;

  @ApiPropertyOptional({ description: 'Client secret, with client_id in the body', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_secret?: string;
}
