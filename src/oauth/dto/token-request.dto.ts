import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { ClientBodyParameters } from '../client-credentials.js';

/** The longest value of each parameter, in characters: the rules below and TokenRequestPipe's fast path share them. */
export const TOKEN_MAX_LENGTH = 8192;
export const TOKEN_TYPE_HINT_MAX_LENGTH = 64;
export const CLIENT_ID_MAX_LENGTH = 256;
export const CLIENT_SECRET_MAX_LENGTH = 256;

/** The parameters as the handlers read them, once TokenRequestPipe has checked them against TokenRequestDto. */
export interface TokenRequest extends ClientBodyParameters {
  token: string;
  token_type_hint?: string;
}

/** RFC 7009 §2.1 and RFC 7662 §2.1 request parameters, form-encoded or JSON, with RFC 6749 §2.3.1 body credentials. */
export class TokenRequestDto implements TokenRequest {
  @ApiProperty({
    description: 'The access token or refresh token to revoke or introspect',
    maxLength: TOKEN_MAX_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(TOKEN_MAX_LENGTH)
  token: string;

  @ApiPropertyOptional({
    description:
      '`access_token` or `refresh_token`: which lookup to try first. Both are always tried; other values are ignored',
    example: 'refresh_token',
    maxLength: TOKEN_TYPE_HINT_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(TOKEN_TYPE_HINT_MAX_LENGTH)
  token_type_hint?: string;

  @ApiPropertyOptional({
    description: 'Client id, when the client authenticates in the body instead of HTTP Basic (never both)',
    maxLength: CLIENT_ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(CLIENT_ID_MAX_LENGTH)
  client_id?: string;

  @ApiPropertyOptional({
    description: 'Client secret, with client_id in the body',
    maxLength: CLIENT_SECRET_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(CLIENT_SECRET_MAX_LENGTH)
  client_secret?: string;
}
