import type { INestApplication, PipeTransform, Type } from '@nestjs/common';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';

/** One argument of a route handler, as its decorator (`@Body()`, `@Param('id', pipe)`…) declared it. */
export interface RouteArgument {
  /** Undefined for custom decorators such as `@CurrentPrincipal()`. */
  kind: RouteParamtypes | undefined;
  /** The name given to the decorator: a path parameter, query key or header. */
  name: string | undefined;
  /** The argument's class, or the DTO its pipe checks it against when it is typed as an interface. */
  type: Type | undefined;
  pipes: (Type<PipeTransform> | PipeTransform)[];
}

/** One route handler and what its decorators say: the spec's conventions are derived from this, not restated. */
export interface ApiRoute {
  operationId: string;
  controller: Type;
  handler: (...args: unknown[]) => unknown;
  arguments: RouteArgument[];
}

interface StoredRouteArgument {
  index: number;
  data?: unknown;
  pipes: RouteArgument['pipes'];
}

const PRIMITIVE_TYPES = new Set<unknown>([String, Number, Boolean, Object, Array]);

/** The operation id of a handler: Nest's default, fixed here so operations can be matched back to their routes. */
export const operationIdOf = (controllerKey: string, methodKey: string): string => `${controllerKey}_${methodKey}`;

/** Every route handler of every controller the app registered. */
export function apiRoutes(app: INestApplication): ApiRoute[] {
  const scanner = new MetadataScanner();
  const controllers = [...app.get(ModulesContainer).values()].flatMap((module) =>
    [...module.controllers.values()].map((wrapper) => wrapper.metatype as Type),
  );
  return controllers.flatMap((controller) =>
    scanner
      .getAllMethodNames(controller.prototype as object)
      .map((methodName) => routeOf(controller, methodName))
      .filter((route) => route !== undefined),
  );
}

/** The classes of a route's `@Body()` and `@Query()` arguments: the DTOs the global (or the route's) ValidationPipe checks. */
export function dtoTypesOf(route: ApiRoute): Type<object>[] {
  return route.arguments
    .filter(({ kind, name }) => (kind === RouteParamtypes.BODY || kind === RouteParamtypes.QUERY) && name === undefined)
    .map(({ type }) => type)
    .filter((type): type is Type<object> => typeof type === 'function' && !PRIMITIVE_TYPES.has(type));
}

/**
 * The class an argument is validated against: its declared type, or for one typed as an interface (so the global
 * ValidationPipe passes it by) the `dto` its own pipe declares, such as TokenRequestPipe's.
 */
function validatedType(declared: Type | undefined, pipes: RouteArgument['pipes']): Type | undefined {
  if (declared !== undefined && !PRIMITIVE_TYPES.has(declared)) return declared;
  for (const pipe of pipes) {
    const { dto } = (typeof pipe === 'function' ? pipe : pipe.constructor) as { dto?: unknown };
    if (typeof dto === 'function') return dto as Type;
  }
  return declared;
}

function routeOf(controller: Type, methodName: string): ApiRoute | undefined {
  const prototype = controller.prototype as Record<string, ApiRoute['handler']>;
  const handler = prototype[methodName];
  if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) return undefined;
  const types = (Reflect.getMetadata('design:paramtypes', prototype, methodName) ?? []) as Type[];
  const stored = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) ?? {}) as Record<
    string,
    StoredRouteArgument
  >;
  const routeArguments = Object.entries(stored).map(([key, { index, data, pipes }]) => {
    // Keys are `<RouteParamtypes>:<index>`; custom decorators have non-numeric ones.
    const kind = Number(key.split(':')[0]);
    return {
      kind: Number.isInteger(kind) ? kind : undefined,
      name: typeof data === 'string' ? data : undefined,
      type: validatedType(types[index], pipes),
      pipes,
    };
  });
  return { operationId: operationIdOf(controller.name, methodName), controller, handler, arguments: routeArguments };
}
