import { BadRequestException, Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientBodyParameters } from './client-credentials.js';
import { OAuthException } from './oauth.exception.js';
import { TooManyClientFailuresException } from './too-many-client-failures.exception.js';

// RFC 6749 §5.2: a 401 names the scheme the client should authenticate with (RFC 7617: Basic, UTF-8).
export const CLIENT_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"';

type OAuthEndpointError = OAuthException | BadRequestException | TooManyClientFailuresException;

/**
 * The OAuth endpoints answer errors in OAuth's shape, not the API's `{statusCode, error, message}`: their clients
 * are OAuth libraries. Validation failures become `invalid_request`. A 429 keeps the API's shape (OAuth defines no
 * error code for it) and gets `Retry-After`. Everything else (503 when the store is down, 500) is left to the
 * global filter.
 */
@Catch(OAuthException, BadRequestException, TooManyClientFailuresException)
export class OAuthExceptionFilter implements ExceptionFilter<OAuthEndpointError> {
  catch(exception: OAuthEndpointError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof TooManyClientFailuresException) {
      void reply.status(exception.getStatus()).header('Retry-After', String(exception.retryAfterSeconds));
      void reply.send(exception.getResponse());
      return;
    }
    const error = exception instanceof OAuthException ? exception : OAuthException.invalidRequest(describe(exception));
    if (error.code === 'invalid_client' && challengesClient(host.switchToHttp().getRequest<FastifyRequest>())) {
      void reply.header('WWW-Authenticate', CLIENT_CHALLENGE);
    }
    void reply.status(error.getStatus()).send({ error: error.code, error_description: error.description });
  }
}

/**
 * RFC 6749 §5.2: the challenge is a MUST for a client that tried the Authorization header, and tells one that sent
 * no credentials at all how to authenticate. A client that authenticated in the body gets none: for a challenge,
 * OAuth libraries (openid-client among them) report an HTTP authentication failure and drop the `invalid_client`.
 */
function challengesClient(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  const body = request.body as ClientBodyParameters | undefined;
  return body?.client_id === undefined && body?.client_secret === undefined;
}

// The ValidationPipe lists every field problem; OAuth wants one description.
function describe(exception: BadRequestException): string {
  const response = exception.getResponse();
  const message = typeof response === 'object' && 'message' in response ? response.message : exception.message;
  return Array.isArray(message) ? message.join('; ') : String(message);
}
