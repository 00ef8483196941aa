import { ApiProperty } from '@nestjs/swagger';

/** The OAuth 2.0 token response (RFC 6749 §5.1), so Postman and OAuth clients read it as is. */
export class TokenResponse {
  @ApiProperty({ description: 'A JWT to send as `Authorization: Bearer <access_token>`' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds until the access token expires', example: 900 })
  expires_in: number;

  @ApiProperty({
    description: 'Opaque; exchange it at POST /refresh for the next pair. Single use: rotated on every use',
  })
  refresh_token: string;

  @ApiProperty({ type: 'integer', description: 'Seconds until the refresh token expires', example: 604800 })
  refresh_expires_in: number;
}
