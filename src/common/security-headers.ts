import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * What every JSON answer carries: the OWASP REST Security Cheat Sheet's set for APIs, built by helmet. Nothing is
 * cached (tokens and profiles; RFC 6749 §5.1 asks it of token responses), nothing may frame or load from a response,
 * browsers never sniff a type, HTTPS is sticky. helmet's HTML-page headers (a CSP for scripts and styles, COOP,
 * Origin-Agent-Cluster, X-DNS-Prefetch-Control…) say nothing to a JSON client and cost about 1 µs each per response,
 * so only the HTML pages get them (`HTML_PAGE_HEADERS`).
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  ...helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
};

/** helmet's defaults, for the pages a browser renders (the OpenAPI UI): its CSP lets the page's own scripts run. */
export const HTML_PAGE_HEADERS: Readonly<Record<string, string>> = helmetHeaders();

/**
 * helmet's headers for some options, worked out once. They depend on the options only, never on the request, yet
 * `@fastify/helmet` builds a whole helmet middleware (CSP parsing included) for every request: about 7 % of the CPU
 * of a GET /me in the profile. Here helmet runs once against a stand-in response and the result is reused.
 */
function helmetHeaders(options?: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  // helmet (since 8.1) throws a bad option at once; the callback's error argument is legacy.
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * The API's headers and `Pragma: no-cache`, for the OAuth token endpoints: RFC 6749 §5.1 and RFC 7662 §4 ask token
 * information not to be cached, and HTTP/1.0 caches know only Pragma. Set here, before routing's handlers and pipes,
 * so every answer of theirs (a parser's or a validation error included) carries it, for the price of no interceptor.
 */
export const OAUTH_API_HEADERS: Readonly<Record<string, string>> = { ...API_HEADERS, pragma: 'no-cache' };

/**
 * Every response gets its request id (the caller's X-Request-Id, or a fresh one) and the API's security headers;
 * responses under `htmlPagesPrefix` (the OpenAPI UI and its assets) get helmet's page headers instead, and those
 * under `oauthRoutePrefix` (POST /oauth/revoke and /oauth/introspect, behind API_PREFIX) `OAUTH_API_HEADERS`.
 */
export function addResponseHeaders(
  fastify: FastifyInstance,
  htmlPagesPrefix: string | undefined,
  oauthRoutePrefix: string,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const { url } = request;
    const headers =
      htmlPagesPrefix && url.startsWith(htmlPagesPrefix)
        ? HTML_PAGE_HEADERS
        : url.startsWith(oauthRoutePrefix)
          ? OAUTH_API_HEADERS
          : API_HEADERS;
    void reply.headers(headers).header('x-request-id', request.id);
    done();
  });
}
