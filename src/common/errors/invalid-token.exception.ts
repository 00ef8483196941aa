import { UnauthorizedException } from '@nestjs/common';

/** A missing, malformed, expired or revoked bearer token. Answered with RFC 6750's `WWW-Authenticate` challenge. */
export class InvalidTokenException extends UnauthorizedException {
  constructor(readonly description: string) {
    super(description);
  }

  get wwwAuthenticate(): string {
    return `Bearer error="invalid_token", error_description="${this.description}"`;
  }
}
