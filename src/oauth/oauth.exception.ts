import { HttpException, HttpStatus } from '@nestjs/common';

/** The RFC 6749 §5.2 error codes these endpoints answer (RFC 7009 §2.2.1, RFC 7662 §2.3). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client';

/** An OAuth error response, `{error, error_description}`, as RFC 6749 §5.2 shapes it. */
export class OAuthException extends HttpException {
  private constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    status: HttpStatus,
  ) {
    super({ error: code, error_description: description }, status);
  }

  /** A missing or malformed parameter, or more than one client authentication method: 400. */
  static invalidRequest(description: string): OAuthException {
    return new OAuthException('invalid_request', description, HttpStatus.BAD_REQUEST);
  }

  /** Client authentication failed (unknown client, wrong secret, none or an unsupported method): 401. */
  static invalidClient(description = 'Client authentication failed'): OAuthException {
    return new OAuthException('invalid_client', description, HttpStatus.UNAUTHORIZED);
  }
}
