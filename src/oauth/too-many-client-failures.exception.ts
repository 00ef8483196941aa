import { HttpException, HttpStatus } from '@nestjs/common';

/** 429: this client id has failed to authenticate from this address too often; `Retry-After` says for how long. */
export class TooManyClientFailuresException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: 'Too many failed client authentications; retry later',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
