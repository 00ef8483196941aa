import { BadRequestException, Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthException } from './oauth.exception.js';

// RFC 6749 §5.2: a 401 names the scheme the client should authenticate with (RFC 7617: Basic, UTF-8).
export const CLIENT_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"';

/**
 * The OAuth endpoints answer errors in OAuth's shape, not the API's `{statusCode, error, message}`: their clients
 * are OAuth libraries. Validation failures become `invalid_request`. Everything else (503 when the store is down,
 * 500) is left to the global filter.
 */
@Catch(OAuthException, BadRequestException)
export class OAuthExceptionFilter implements ExceptionFilter<OAuthException | BadRequestException> {
  catch(exception: OAuthException | BadRequestException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = exception instanceof OAuthException ? exception : OAuthException.invalidRequest(describe(exception));
    if (error.code === 'invalid_client') void reply.header('WWW-Authenticate', CLIENT_CHALLENGE);
    void reply.status(error.getStatus()).send({ error: error.code, error_description: error.description });
  }
}

// The ValidationPipe lists every field problem; OAuth wants one description.
function describe(exception: BadRequestException): string {
  const response = exception.getResponse();
  const message = typeof response === 'object' && 'message' in response ? response.message : exception.message;
  return Array.isArray(message) ? message.join('; ') : String(message);
}
