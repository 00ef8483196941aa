/** The methods that change state: the only ones the app's routes take a body on, and the ones CSRF is about. */
export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `application/json`, with or without parameters (`; charset=utf-8`), in any case (RFC 9110 §8.3.1). Not the
 * `+json` types: no route takes a JSON-based format, and Fastify has no parser for them.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}
