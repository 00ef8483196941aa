import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Response, Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { claimsOf } from './session-client.js';

export interface OAuthClientCredentials {
  id: string;
  secret: string;
}

/** Two confidential clients; the second id and secret hold characters that form-url-encoding changes. */
export const CLIENT: OAuthClientCredentials = { id: 'billing-service', secret: randomBytes(32).toString('hex') };
export const ENCODED_CLIENT: OAuthClientCredentials = {
  id: 'reports.v2_job',
  secret: `${randomBytes(24).toString('base64')}+/= é%`,
};

/** A fresh confidential client: a hex secret, which needs no encoding anywhere. */
export function newClient(id: string): OAuthClientCredentials {
  return { id, secret: randomBytes(32).toString('hex') };
}

/** The OAUTH_CLIENTS value that configures both clients. */
export function oauthClientsSetting(): string {
  return [CLIENT, ENCODED_CLIENT].map(({ id, secret }) => `${id}:${secret}`).join(',');
}

export type OAuthEndpoint = '/oauth/revoke' | '/oauth/introspect';

/** How a test case authenticates its client: an Authorization header, body parameters, both or neither. */
export interface ClientAuth {
  authorization?: string;
  body?: Record<string, string>;
}

function tokenFields(token: string, hint: string | undefined): Record<string, string> {
  return hint === undefined ? { token } : { token, token_type_hint: hint };
}

export interface OAuthRequest {
  /** Body parameters: token, token_type_hint, client_id, client_secret (or anything else, to test refusals). */
  fields: Record<string, string>;
  /** The Authorization header, e.g. from `basic()`. */
  authorization?: string;
  /** `form` (the RFCs' application/x-www-form-urlencoded, the default) or `json`. */
  as?: 'form' | 'json';
}

/** A POST to one of the OAuth endpoints. Not asserted. */
export function oauthPost(http: TestAgent, endpoint: OAuthEndpoint, { fields, authorization, as }: OAuthRequest): Test {
  const request = http.post(endpoint);
  if (authorization !== undefined) void request.set('Authorization', authorization);
  return as === 'json'
    ? request.set('Content-Type', 'application/json').send(JSON.stringify(fields))
    : request.type('form').send(new URLSearchParams(fields).toString());
}

/** RFC 6749 §2.3.1: id and secret are form-url-encoded, then joined by ":" and base64-encoded. */
export function basic({ id, secret }: OAuthClientCredentials): string {
  const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
}

/** POST /oauth/introspect authenticated as `client` (CLIENT) with HTTP Basic; the body of a 200, else an error. */
export async function introspection(
  http: TestAgent,
  token: string,
  hint?: string,
  client: OAuthClientCredentials = CLIENT,
): Promise<Record<string, unknown>> {
  const response = await oauthPost(http, '/oauth/introspect', {
    fields: tokenFields(token, hint),
    authorization: basic(client),
  });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}: ${response.text}`);
  return response.body as Record<string, unknown>;
}

/** POST /oauth/revoke without client credentials (a public client), expected to answer 200 with an empty body. */
export async function revokeToken(http: TestAgent, token: string, hint?: string): Promise<void> {
  const response = await oauthPost(http, '/oauth/revoke', { fields: tokenFields(token, hint) });
  if (response.status !== 200) throw new Error(`revocation answered ${response.status}: ${response.text}`);
  expect(response.text).toBe('');
}

export const CLIENT_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"';

/**
 * Asserts an OAuth error response (RFC 6749 §5.2) with its status, and the Basic challenge when `challenged`: by
 * default on a 401, which a client authenticating in the body must get without one.
 */
export function expectOAuthError(
  response: Response,
  status: 400 | 401,
  error: string,
  { challenged = status === 401 }: { challenged?: boolean } = {},
): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { error, error_description: expect.any(String) },
  });
  expect(response.headers['www-authenticate']).toBe(challenged ? CLIENT_CHALLENGE : undefined);
  expectNoStore(response);
}

export function expectNoStore(response: Response): void {
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers.pragma).toBe('no-cache');
}

/** The claims of `accessToken`, re-signed with `secret` and `changes` applied: same user and session. */
export function resigned(accessToken: string, secret: string, changes: Record<string, unknown> = {}): string {
  return jwt.sign({ ...claimsOf(accessToken), ...changes }, secret, { algorithm: 'HS256' });
}

/** `accessToken`'s claims re-signed with the app's own secret, expired a minute ago (past the clock tolerance). */
export function expiredCopy(accessToken: string): string {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return resigned(accessToken, process.env.JWT_SECRET as string, { exp: nowSeconds - 60 });
}
