import { ConfigService } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { AllConfig } from '../config/config.types.js';
import { createOpenApiDocument } from './openapi-document.js';

export const DOCS_PATH = 'docs';

/**
 * Serves the UI at `/docs` and the spec at `/docs-json` (under API_PREFIX) when API_DOCS allows. Plain Fastify
 * routes, outside the guards: public. The document is built on the first request, once every route is registered.
 */
export function setUpOpenApi(app: NestFastifyApplication): void {
  if (!app.get(ConfigService<AllConfig, true>).get('app.docsEnabled', { infer: true })) return;
  SwaggerModule.setup(DOCS_PATH, app, () => createOpenApiDocument(app), {
    useGlobalPrefix: true,
    raw: ['json'],
    customSiteTitle: 'revocable-jwt-api',
  });
}
