import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isJsonContentType, STATE_CHANGING_METHODS } from './http/request-kinds.js';

/** A request with content: a length above zero, or a chunked body (no length given). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON bodies only, except under `formRoutePrefix` (the OAuth routes: RFC 7009 revocation and RFC 7662
 * introspection take form bodies): any other declared type, or a body without a type, is a 415 before anything
 * reads it. A page of another origin can send `text/plain`, `multipart/form-data` and form bodies without a CORS
 * preflight, but never a JSON one: one of the cookie transport's CSRF rules (docs/sessions.md).
 *
 * A preParsing hook, so it runs after every onRequest hook (CORS headers on the 415, cookies parsed) and before
 * Fastify's own body parsers. An unknown route goes straight to the 404 handler from here, its body unread: Fastify
 * would otherwise parse it first and answer 415 for a type it has no parser for, before the 404 was known.
 */
export function refuseNonJsonBodiesOutside(fastify: FastifyInstance, formRoutePrefix: string): void {
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (request.is404) {
      // The 404 handler itself, with no preValidation or preHandler hook (`callNotFound()` from the 404 context
      // would answer a bare "404 Not Found").
      void request.routeOptions.handler.call(fastify, request, reply);
      return;
    }
    const type = request.headers['content-type'];
    const refused =
      STATE_CHANGING_METHODS.has(request.method) &&
      !request.routeOptions.url?.startsWith(formRoutePrefix) &&
      (type === undefined ? hasBody(request) : !isJsonContentType(type));
    if (refused) {
      void reply.code(415).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'This route takes application/json bodies only',
      });
      return;
    }
    done(null, payload);
  });
}
