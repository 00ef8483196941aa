import type { FastifyRequest } from 'fastify';

/** What requests that matched no route are reported as: their raw URL would let any caller mint new series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route pattern a request matched (`/sessions/:sid`, with the API prefix), never its URL: no ids, no query. */
export function routePattern(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}
