import type { AccessTokenKeys } from '../auth/keys/access-token-keys.js';
import type { SigningAlgorithm } from '../config/signing-keys.js';
import { JWKS_PATH } from '../jwks/jwks.controller.js';

/** RFC 8414 §2 metadata of this server, as served at `/.well-known/oauth-authorization-server`. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint: string;
  introspection_endpoint_auth_methods_supported: string[];
  revocation_endpoint: string;
  revocation_endpoint_auth_methods_supported: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  access_token_signing_alg_values_supported: SigningAlgorithm[];
  service_documentation?: string;
}

export interface MetadataSettings {
  /** JWT_ISSUER: the `iss` of every token, and the issuer identifier when it is a URL. */
  issuer: string;
  /** API_PREFIX, without slashes around it. */
  apiPrefix: string;
  /** Where the OpenAPI UI is, under the prefix, when it is served. */
  docsPath?: string;
}

/**
 * Why JWT_ISSUER cannot be an issuer identifier (RFC 8414 §2: a URL without query or fragment), or undefined when
 * it can. http is accepted, for loopback and tests: OAuth libraries refuse it unless told to allow it.
 */
export function issuerIdentifierProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an http(s) URL';
  if (url.search || url.hash || issuer.includes('?') || issuer.includes('#')) return 'has a query or a fragment';
  if (url.username || url.password) return 'holds credentials';
  return undefined;
}

/**
 * The metadata, or undefined when JWT_ISSUER is not a URL. Every URL is the issuer followed by the route's path
 * in this app, so the issuer is the public URL of the app's root (behind a proxy: the URL clients use).
 */
export function authorizationServerMetadata(
  settings: MetadataSettings,
  keys: AccessTokenKeys,
): AuthorizationServerMetadata | undefined {
  if (issuerIdentifierProblem(settings.issuer)) return undefined;
  const root = settings.issuer.replace(/\/+$/, '');
  const api = settings.apiPrefix ? `${root}/${settings.apiPrefix}` : root;
  return {
    // Exactly JWT_ISSUER, the `iss` of the tokens: a client compares it with the URL it discovered from.
    issuer: settings.issuer,
    jwks_uri: `${root}/${JWKS_PATH}`,
    introspection_endpoint: `${api}/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint: `${api}/oauth/revoke`,
    // `none`: a public client may revoke its own tokens without credentials (RFC 7009 §2.1).
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    // Required by §2; empty: tokens come from POST /login and POST /refresh, not an authorization or token
    // endpoint. Left out, grant_types_supported would mean authorization_code and implicit.
    response_types_supported: [],
    grant_types_supported: [],
    // An extension member: the algorithms of the access tokens this server accepts, the signing one first.
    access_token_signing_alg_values_supported: [
      ...new Set([keys.signing.header.alg, ...keys.jwks.keys.map((key) => key.alg)]),
    ],
    ...(settings.docsPath ? { service_documentation: `${api}/${settings.docsPath}` } : {}),
  };
}
