import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SecuritySchemeObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { ACCESS_TOKEN_COOKIE } from '../auth/token-cookies.js';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import { METRICS_PATH } from '../metrics/metrics.controller.js';
import type { AllConfig } from '../config/config.types.js';
import { OAUTH_CLIENT_SCHEME } from '../oauth/oauth.controller.js';
import { apiRoutes, dtoTypesOf, operationIdOf } from './api-routes.js';
import { applyRouteConventions, BEARER_SCHEME } from './route-conventions.js';
import { documentValidationRules } from './validation-schema.js';

const COOKIE_SCHEME = 'cookie';
const METRICS_SCHEME = 'metrics-token';

const BEARER_DESCRIPTION = `An access token from POST /login or POST /refresh. A JWS that follows the JWT best current
practices of RFC8725: one algorithm pinned per key (never \`none\`), issuer, audience and expiry always checked,
and refused once revoked.`;
const OAUTH_CLIENT_DESCRIPTION = `A client of OAUTH_CLIENTS (RFC 6749 §2.3.1): HTTP Basic with the form-encoded
client_id and client_secret, or both as body parameters instead (never both ways). Over TLS only.`;

// What NODE_ENV says of the deployment that serves the document, in the words readers (and linters) look for.
const ENVIRONMENTS: Record<AllConfig['app']['nodeEnv'], string> = {
  development: 'a local or development deployment',
  test: 'a test deployment',
  production: 'a production deployment',
};

const DESCRIPTION = `JWT login, refresh and logout whose tokens can be taken back: a revoked access token is refused on
its very next request. Every route needs \`Authorization: Bearer <access_token>\` unless it shows no lock. Errors are
always \`{statusCode, error, message}\`.`;

/** The OpenAPI document of the running app, built from its controllers, DTOs and guards. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const routes = apiRoutes(app);
  for (const dto of new Set(routes.flatMap(dtoTypesOf))) documentValidationRules(dto);

  const settings = app.get(ConfigService<AllConfig, true>);
  const manifest = packageManifest();
  const config = new DocumentBuilder()
    .setTitle('revocable-jwt-api')
    .setDescription(DESCRIPTION)
    .setVersion(manifest.version)
    .setLicense(manifest.license, `https://spdx.org/licenses/${manifest.license}.html`)
    // The paths already carry API_PREFIX: the server is whichever origin served this document. Its audience is the
    // API's clients, not only the deployment's other services (OWASP API9).
    .addServer('/', `This server: ${ENVIRONMENTS[settings.get('app.nodeEnv', { infer: true })]}`, undefined, {
      'x-internal': false,
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: BEARER_DESCRIPTION },
      BEARER_SCHEME,
    )
    .addBasicAuth({ type: 'http', scheme: 'basic', description: OAUTH_CLIENT_DESCRIPTION }, OAUTH_CLIENT_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdOf,
    extraModels: [ErrorResponse],
  });
  const { bodyLimit } = (app.getHttpAdapter().getInstance() as FastifyInstance).initialConfig;
  applyRouteConventions(document, routes, app.get(Reflector), { bodyLimitBytes: bodyLimit ?? 0 });
  if (settings.get('session.cookieTransport', { infer: true })) acceptAccessTokenCookie(document);
  if (settings.get('metrics.token', { infer: true }) !== undefined) askForMetricsToken(document);
  return document;
}

// METRICS_TOKEN set: GET /metrics takes that shared secret as a bearer token (not a JWT).
function askForMetricsToken(document: OpenAPIObject): void {
  addSecurityScheme(document, METRICS_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, as `Authorization: Bearer <METRICS_TOKEN>`',
  });
  const scrape = Object.entries(document.paths).find(([path]) => path.endsWith(`/${METRICS_PATH}`))?.[1].get;
  if (scrape) scrape.security = [{ [METRICS_SCHEME]: [] }];
}

function addSecurityScheme(document: OpenAPIObject, name: string, scheme: SecuritySchemeObject): void {
  document.components = {
    ...document.components,
    securitySchemes: { ...document.components?.securitySchemes, [name]: scheme },
  };
}

// AUTH_COOKIE=true: the access token cookie is accepted wherever the bearer header is.
function acceptAccessTokenCookie(document: OpenAPIObject): void {
  addSecurityScheme(document, COOKIE_SCHEME, {
    type: 'apiKey',
    in: 'cookie',
    name: ACCESS_TOKEN_COOKIE,
  });
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as { security?: Record<string, string[]>[] }[]) {
      if (operation.security?.some((requirement) => BEARER_SCHEME in requirement)) {
        operation.security.push({ [COOKIE_SCHEME]: [] });
      }
    }
  }
}

function packageManifest(): { version: string; license: string } {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    license: string;
  };
}
