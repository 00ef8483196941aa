import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { apiRoutes } from '../../openapi/api-routes.js';

/** Read by page scripts across origins: the RFC 6750 challenge (refused token) and when to try again (429, 503). */
const EXPOSED_HEADERS = ['WWW-Authenticate', 'Retry-After'];

/**
 * The methods the app's routes answer, in RequestMethod order, and HEAD wherever GET is (Fastify answers it): what
 * a preflight may ask for. Read from the routes, so a new `@Put()` or `@Delete()` never hits a preflight refusal.
 */
export function routeMethods(app: INestApplication): string[] {
  const methods = new Set<RequestMethod>();
  for (const route of apiRoutes(app)) {
    const method = Reflect.getMetadata(METHOD_METADATA, route.handler) as RequestMethod;
    if (method === RequestMethod.ALL) throw new Error(`${route.operationId}: @All() routes need their methods listed`);
    methods.add(method);
    if (method === RequestMethod.GET) methods.add(RequestMethod.HEAD);
  }
  return [...methods].sort((a, b) => a - b).map((method) => RequestMethod[method]);
}

/**
 * CORS for the listed origins (validated by parseCorsOrigins), with credentials (the cookie transport): every
 * method the routes have, any request header the page asks for, and the headers a client must read.
 */
export function enableCors(app: NestFastifyApplication, origins: string[]): void {
  app.enableCors({ origin: origins, credentials: true, methods: routeMethods(app), exposedHeaders: EXPOSED_HEADERS });
}
