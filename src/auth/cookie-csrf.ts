import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isJsonContentType, STATE_CHANGING_METHODS } from '../common/http/request-kinds.js';
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE } from './token-cookies.js';

/** Any value will do: what counts is that only a script allowed by CORS can add it (OWASP, custom request headers). */
const CSRF_HEADER = 'x-requested-with';

const BEARER = /^bearer\s/i;

/**
 * Whether the cookies are what would authenticate the request: one is present, and no bearer header (which the
 * guard reads first) comes before it. A browser never adds a bearer header by itself, so a request with one was
 * written by a script; an `Authorization: Basic` header can be ambient (cached HTTP credentials) and does not count.
 */
function authenticatedByCookie(request: FastifyRequest): boolean {
  if (BEARER.test(request.headers.authorization ?? '')) return false;
  const cookies = request.cookies ?? {};
  return cookies[ACCESS_TOKEN_COOKIE] !== undefined || cookies[REFRESH_TOKEN_COOKIE] !== undefined;
}

/**
 * The cookie transport's second CSRF defence, after SameSite=Strict (which does not stop a page of the same site:
 * a sibling subdomain, another port). A state-changing request authenticated by a cookie must be one that only a
 * script the API's CORS policy allows could send: with a JSON body (refuseNonJsonBodiesOutside allows no other
 * type) or an `X-Requested-With` header. Both need a CORS preflight, which a cross-origin page fails; an HTML form
 * or a `fetch(…, { mode: 'no-cors' })` can send neither. Refused with 403 before anything reads the request.
 *
 * A preParsing hook registered after the JSON-only one (which sends unknown routes to the 404 handler) and after
 * @fastify/cookie (whose onRequest hook parses the cookies). The `/oauth/` routes read no cookie and are left alone.
 */
export function refuseForgeableCookieRequests(fastify: FastifyInstance, oauthRoutePrefix: string): void {
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    const forgeable =
      STATE_CHANGING_METHODS.has(request.method) &&
      !request.routeOptions.url?.startsWith(oauthRoutePrefix) &&
      authenticatedByCookie(request) &&
      request.headers[CSRF_HEADER] === undefined &&
      !isJsonContentType(request.headers['content-type']);
    if (forgeable) {
      void reply.code(403).send({
        statusCode: 403,
        error: 'Forbidden',
        message: 'A request authenticated by cookie needs an X-Requested-With header or a JSON body',
      });
      return;
    }
    done(null, payload);
  });
}
