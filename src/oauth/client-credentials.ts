import { OAuthException } from './oauth.exception.js';

/** A client as a request names it. Without a secret it is a public client that only says who it is. */
export interface PresentedClient {
  id: string;
  secret?: string;
}

/** The body parameters of RFC 6749 §2.3.1's second method. */
export interface ClientBodyParameters {
  client_id?: string;
  client_secret?: string;
}

// The credentials' base64 without its padding, which may be left out.
const BASIC = /^Basic +([A-Za-z0-9+/]+)={0,2} *$/i;

/**
 * The client a request presents (RFC 6749 §2.3.1): HTTP Basic, whose id and secret are form-url-encoded before
 * base64, or `client_id` (+ `client_secret`) in the body. Undefined when it presents none. Using both methods is an
 * `invalid_request` (RFC 6749 §2.3); an Authorization header that is not well-formed Basic is `invalid_client`.
 * An empty secret counts as none (RFC 6749 §2.3.1 lets a client omit an empty one).
 */
export function presentedClient(
  authorization: string | undefined,
  body: ClientBodyParameters,
): PresentedClient | undefined {
  const inBody = body.client_id !== undefined || body.client_secret !== undefined;
  if (authorization !== undefined && inBody) {
    throw OAuthException.invalidRequest(
      'Use one client authentication method: HTTP Basic or client_id and client_secret in the body, not both',
    );
  }
  if (authorization !== undefined) return fromBasicHeader(authorization);
  if (!inBody) return undefined;
  if (!body.client_id) throw OAuthException.invalidRequest('client_secret was sent without client_id');
  return { id: body.client_id, secret: body.client_secret || undefined };
}

function fromBasicHeader(authorization: string): PresentedClient {
  const encoded = BASIC.exec(authorization)?.[1];
  const decoded = encoded && Buffer.from(encoded, 'base64');
  // Buffer.from skips what is not base64; re-encoding (its padding aside) tells a clean value from a mangled one.
  if (
    !decoded ||
    Math.ceil((decoded.length * 4) / 3) !== encoded.length ||
    !decoded.toString('base64').startsWith(encoded)
  ) {
    throw OAuthException.invalidClient('The Authorization header is not well-formed HTTP Basic');
  }
  const pair = decoded.toString('utf8');
  const colon = pair.indexOf(':');
  const id = colon < 0 ? undefined : formDecode(pair.slice(0, colon));
  const secret = colon < 0 ? undefined : formDecode(pair.slice(colon + 1));
  if (!id || secret === undefined) {
    throw OAuthException.invalidClient('The Authorization header is not well-formed HTTP Basic');
  }
  return { id, secret: secret || undefined };
}

/** application/x-www-form-urlencoded decoding; undefined for a malformed percent escape. */
function formDecode(value: string): string | undefined {
  // Most ids and secrets (hex, base64url) hold neither: nothing to decode.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
