import { ApiProperty } from '@nestjs/swagger';

/** An error of the OAuth endpoints (RFC 6749 §5.2). */
export class OAuthErrorDto {
  @ApiProperty({ enum: ['invalid_request', 'invalid_client'], example: 'invalid_client' })
  error: string;

  @ApiProperty({ example: 'Client authentication failed' })
  error_description: string;
}
