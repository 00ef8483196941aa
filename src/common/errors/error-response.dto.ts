import { ApiProperty } from '@nestjs/swagger';

/** The body of every error answer, as AllExceptionsFilter writes it: the OpenAPI schema of every error status. */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 401 })
  statusCode: number;

  @ApiProperty({ description: "The status's reason phrase", example: 'Unauthorized' })
  error: string;

  @ApiProperty({
    description: 'What was wrong; on a failed validation, one entry per problem',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'The access token has been revoked',
  })
  message: string | string[];
}

/** The response header of an InvalidTokenException (401), for `@ApiResponse({ headers })`. */
export const WWW_AUTHENTICATE_HEADER = {
  'WWW-Authenticate': {
    description: 'RFC 6750 challenge: `Bearer error="invalid_token", error_description="…"`',
    schema: { type: 'string' },
  },
};

/** The response header of a 429 or 503: seconds to wait before retrying. */
export const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer', format: 'int32', minimum: 0 },
  },
};
