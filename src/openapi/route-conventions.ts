import { maxHeaderSize, STATUS_CODES } from 'node:http';
import { ParseUUIDPipe, type CanActivate, type Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Reflector } from '@nestjs/core';
import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ROLES_KEY } from '../auth/decorators/roles.decorator.js';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator.js';
import { RETRY_AFTER_HEADER, WWW_AUTHENTICATE_HEADER } from '../common/errors/error-response.dto.js';
import { dtoTypesOf, type ApiRoute, type RouteArgument } from './api-routes.js';

export const BEARER_SCHEME = 'bearer';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };
// The length of a UUID's canonical text, the only form ParseUUIDPipe lets through.
const UUID_LENGTH = 36;
const PARAMETER_LOCATIONS: Partial<Record<RouteParamtypes, ParameterObject['in']>> = {
  [RouteParamtypes.PARAM]: 'path',
  [RouteParamtypes.HEADERS]: 'header',
};

/** What the HTTP server enforces before any route runs, for the statuses every body route can answer. */
export interface ServerLimits {
  bodyLimitBytes: number;
}

/**
 * Documents what the guards, pipes, HTTP server and exception filter do to a route, read from the same metadata
 * they read, so the spec cannot drift from them: a route without `@Public()` needs a bearer token (401, and 503 when
 * the store cannot check it), a `@Public()` one says so with an empty `security` (unless it names its own), `@Roles()`
 * adds 403, the auth throttler 429, validated input 400, a request body 413 and 415. A status the route documents
 * itself keeps its own description; one documented without any gets its reason phrase.
 */
export function applyRouteConventions(
  document: OpenAPIObject,
  routes: ApiRoute[],
  reflector: Reflector,
  limits: ServerLimits,
): void {
  const routesById = new Map(routes.map((route) => [route.operationId, route]));
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const route = operation.operationId === undefined ? undefined : routesById.get(operation.operationId);
      if (route) documentRoute(operation, route, reflector);
      if (operation.requestBody) documentBodyLimits(operation, limits);
      describeStatuses(operation);
    }
  }
  forbidUnknownBodyFields(document, routes);
}

function documentRoute(operation: OperationObject, route: ApiRoute, reflector: Reflector): void {
  const targets = [route.handler, route.controller];
  const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;
  const roles = reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets) ?? [];
  const isThrottled = guardsOf(route).some(
    (guard) => guard === ThrottlerGuard || guard.prototype instanceof ThrottlerGuard,
  );

  describeArguments(operation, route.arguments);
  if (dtoTypesOf(route).length > 0 || route.arguments.some(({ pipes }) => pipes.length > 0)) {
    addResponse(operation, 400, { description: 'The request is malformed or fails validation' });
  }
  if (isPublic) {
    // Empty, not absent: "no credentials", which a linter can tell from "forgot to say".
    operation.security ??= [];
  } else {
    operation.security ??= [{ [BEARER_SCHEME]: [] }];
    addResponse(operation, 401, {
      description: 'The bearer token is missing, invalid, expired or revoked',
      headers: WWW_AUTHENTICATE_HEADER,
    });
  }
  if (roles.length > 0) {
    addResponse(operation, 403, { description: `The token carries none of these roles: ${roles.join(', ')}` });
  }
  if (isThrottled) {
    addResponse(operation, 429, {
      description: 'Too many attempts from this address or for this account',
      headers: RETRY_AFTER_HEADER,
    });
  }
  // Both the revocation check and the rate-limit counters live in the store.
  if (!isPublic || isThrottled) {
    addResponse(operation, 503, {
      description: 'The session store did not answer in time',
      headers: RETRY_AFTER_HEADER,
    });
  }
}

function documentBodyLimits(operation: OperationObject, { bodyLimitBytes }: ServerLimits): void {
  addResponse(operation, 413, { description: `The body is larger than ${bodyLimitBytes} bytes` });
  addResponse(operation, 415, { description: 'The body is not of a media type this operation takes' });
}

/**
 * A path parameter behind ParseUUIDPipe is a UUID; a header no pipe checks may be left out (it arrives undefined),
 * and is as long as Node lets a request's headers be at most (longer ones are a 431). `Authorization` is no
 * parameter: OpenAPI ignores one by that name, the security requirement describes it.
 */
function describeArguments(operation: OperationObject, routeArguments: RouteArgument[]): void {
  const parameters = (operation.parameters ?? []).filter(
    (parameter): parameter is ParameterObject => 'in' in parameter,
  );
  for (const { kind, name, pipes } of routeArguments) {
    const location = kind === undefined ? undefined : PARAMETER_LOCATIONS[kind];
    const parameter = parameters.find((candidate) => candidate.in === location && candidate.name === name);
    if (!parameter) continue;
    const schema = (parameter.schema ?? {}) as SchemaObject;
    if (
      kind === RouteParamtypes.PARAM &&
      pipes.some((pipe) => pipe === ParseUUIDPipe || pipe instanceof ParseUUIDPipe)
    ) {
      parameter.schema = { ...schema, format: 'uuid', maxLength: UUID_LENGTH };
    }
    if (kind === RouteParamtypes.HEADERS && pipes.length === 0) {
      parameter.required = false;
      if (schema.type === 'string') parameter.schema = { ...schema, maxLength: maxHeaderSize };
    }
  }
  operation.parameters = operation.parameters?.filter(
    (parameter) =>
      !('in' in parameter && parameter.in === 'header' && parameter.name.toLowerCase() === 'authorization'),
  );
}

function describeStatuses(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response && 'description' in response && !response.description)
      response.description = STATUS_CODES[status] ?? status;
  }
}

function addResponse(operation: OperationObject, status: number, response: Omit<ResponseObject, 'content'>): void {
  operation.responses[status] ??= { ...response, content: ERROR_CONTENT };
}

function guardsOf(route: ApiRoute): Type<CanActivate>[] {
  return [route.handler, route.controller]
    .flatMap((target) => (Reflect.getMetadata(GUARDS_METADATA, target) ?? []) as (Type<CanActivate> | CanActivate)[])
    .map((guard) => (typeof guard === 'function' ? guard : (guard.constructor as Type<CanActivate>)));
}

// The global ValidationPipe runs with forbidNonWhitelisted: a body field no DTO rule names is a 400.
function forbidUnknownBodyFields(document: OpenAPIObject, routes: ApiRoute[]): void {
  const schemas = document.components?.schemas ?? {};
  for (const { kind, name, type } of routes.flatMap((route) => route.arguments)) {
    const schema = kind === RouteParamtypes.BODY && name === undefined && type ? schemas[type.name] : undefined;
    if (schema && !('$ref' in schema)) schema.additionalProperties = false;
  }
}
