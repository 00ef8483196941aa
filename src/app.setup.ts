import cookie from '@fastify/cookie';
import { ConfigService } from '@nestjs/config';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/app.config.js';
import { refuseForgeableCookieRequests } from './auth/cookie-csrf.js';
import { enableCors } from './common/http/cors.js';
import { refuseNonJsonBodiesOutside } from './common/json-only-bodies.js';
import { requestIdOf } from './common/http/request-id.js';
import { addResponseHeaders } from './common/security-headers.js';
import type { AllConfig } from './config/config.types.js';
import { JWKS_PATH } from './jwks/jwks.controller.js';
import { METRICS_PATH } from './metrics/metrics.controller.js';
import { AUTHORIZATION_SERVER_METADATA_PATH } from './oauth/authorization-server-metadata.controller.js';
import { DOCS_PATH, setUpOpenApi } from './openapi/openapi.setup.js';

// Credentials and tokens are small; anything larger is refused (413) before it is parsed.
const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The HTTP adapter, shared by `main.ts` and the e2e tests so both run the same server. Created before Nest, so it
 * takes the app namespace of the loaded config directly.
 */
export function createHttpAdapter(config: Pick<AppConfig, 'trustProxy'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    // Fastify would take any X-Request-Id as is; requestIdOf keeps only a short, safe one (else a fresh UUID).
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
}

/** What cannot be a provider: the route prefix and Fastify plugins. Called before `init()`/`listen()`. */
export async function setUpApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(ConfigService<AllConfig, true>);
  const { apiPrefix, corsOrigins, docsEnabled } = config.get('app', { infer: true });
  const routePrefix = apiPrefix ? `/${apiPrefix}` : '';
  // A well-known URI sits at the root whatever the prefix (RFC 8615).
  if (apiPrefix)
    app.setGlobalPrefix(apiPrefix, { exclude: [JWKS_PATH, AUTHORIZATION_SERVER_METADATA_PATH, METRICS_PATH] });
  const fastify = app.getHttpAdapter().getInstance();
  const oauthRoutePrefix = `${routePrefix}/oauth/`;
  addResponseHeaders(fastify, docsEnabled ? `${routePrefix}/${DOCS_PATH}` : undefined, oauthRoutePrefix);
  // In this order: the JSON-only rule also sends unknown routes to the 404 handler before any other check.
  refuseNonJsonBodiesOutside(fastify, oauthRoutePrefix);
  if (config.get('session.cookieTransport', { infer: true })) {
    await app.register(cookie);
    refuseForgeableCookieRequests(fastify, oauthRoutePrefix);
  }
  if (corsOrigins.length > 0) enableCors(app, corsOrigins);
  setUpOpenApi(app);
}
