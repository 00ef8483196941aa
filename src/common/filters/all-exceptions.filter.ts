import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenException } from '../errors/invalid-token.exception.js';
import { StoreUnavailableError } from '../errors/store-unavailable.error.js';

const STORE_RETRY_AFTER_SECONDS = 1;

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** Every error leaves as `{statusCode, error, message}`; anything unexpected is logged and leaks nothing. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const requestId = host.switchToHttp().getRequest<FastifyRequest>().id;

    if (exception instanceof InvalidTokenException) {
      void reply.header('WWW-Authenticate', exception.wwwAuthenticate);
    }
    if (exception instanceof HttpException) {
      void reply.status(exception.getStatus()).send(bodyOf(exception));
      return;
    }
    if (exception instanceof StoreUnavailableError) {
      this.logger.warn(
        `[${requestId}] ${exception.message}: ${String((exception.cause as Error | undefined)?.message)}`,
      );
      void reply
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .header('Retry-After', String(STORE_RETRY_AFTER_SECONDS))
        .send({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message: `${exception.message}; retry shortly`,
        } satisfies ErrorBody);
      return;
    }
    this.logger.error(
      `[${requestId}] Unhandled error`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    void reply.status(HttpStatus.INTERNAL_SERVER_ERROR).send({
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'Something went wrong',
    } satisfies ErrorBody);
  }
}

// A body an exception shaped deliberately without a `message` (terminus's health report) leaves as it is.
// Otherwise `error` is always the status's reason phrase: Fastify's own refusals (bad JSON, 413, 415) reach here as bare
// HttpExceptions whose class name must not leak into the body.
function bodyOf(exception: HttpException): ErrorBody | object {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && !('message' in response)) return response;
  const reason = STATUS_CODES[status] ?? 'Error';
  if (typeof response === 'object' && 'message' in response) {
    const { error, message } = response as Partial<ErrorBody>;
    return { statusCode: status, error: error ?? reason, message: message ?? exception.message };
  }
  return { statusCode: status, error: reason, message: typeof response === 'string' ? response : exception.message };
}
