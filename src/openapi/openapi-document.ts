import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ACCESS_TOKEN_COOKIE } from '../auth/token-cookies.js';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import type { AllConfig } from '../config/config.types.js';
import { apiRoutes, dtoTypesOf, operationIdOf } from './api-routes.js';
import { applyRouteConventions, BEARER_SCHEME } from './route-conventions.js';
import { documentValidationRules } from './validation-schema.js';

const COOKIE_SCHEME = 'cookie';

const DESCRIPTION = `JWT login, refresh and logout whose tokens can be taken back: a revoked access token is refused on
its very next request. Every route needs \`Authorization: Bearer <access_token>\` unless it shows no lock. Errors are
always \`{statusCode, error, message}\`.`;

/** The OpenAPI document of the running app, built from its controllers, DTOs and guards. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const routes = apiRoutes(app);
  for (const dto of new Set(routes.flatMap(dtoTypesOf))) documentValidationRules(dto);

  const config = new DocumentBuilder()
    .setTitle('revocable-jwt-api')
    .setDescription(DESCRIPTION)
    .setVersion(packageVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdOf,
    extraModels: [ErrorResponse],
  });
  applyRouteConventions(document, routes, app.get(Reflector));
  if (app.get(ConfigService<AllConfig, true>).get('session.cookieTransport', { infer: true })) {
    acceptAccessTokenCookie(document);
  }
  return document;
}

// AUTH_COOKIE=true: the access token cookie is accepted wherever the bearer header is.
function acceptAccessTokenCookie(document: OpenAPIObject): void {
  document.components = {
    ...document.components,
    securitySchemes: {
      ...document.components?.securitySchemes,
      [COOKIE_SCHEME]: { type: 'apiKey', in: 'cookie', name: ACCESS_TOKEN_COOKIE },
    },
  };
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as { security?: Record<string, string[]>[] }[]) {
      if (operation.security?.some((requirement) => BEARER_SCHEME in requirement)) {
        operation.security.push({ [COOKIE_SCHEME]: [] });
      }
    }
  }
}

function packageVersion(): string {
  const manifest = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}
