import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// UUIDs, W3C trace ids, ULIDs, "service:span.42" and the like; nothing that could forge a log field or a header.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's X-Request-Id when it is 1 to 128 of `A-Z a-z 0-9 . _ : -` (so one id can follow a request across
 * services), else a fresh UUID: an id of any length or charset would be echoed and logged as is.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
