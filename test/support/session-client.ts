import { createSecretKey, randomBytes } from 'node:crypto';
import type { Response, Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { RefreshTokenCodec } from '../../src/sessions/refresh-token.codec.js';
import { PASSWORD, bearer, decodeClaims, register, uniqueEmail } from './auth-client.js';

/** JWT_REFRESH_TTL's default: no refresh token may be handed out for longer. */
export const DEFAULT_REFRESH_TTL_SECONDS = 7 * 24 * 3600;

/** The OAuth 2.0 token response of POST /login, POST /refresh and POST /me/password. */
export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** One entry of GET /sessions. */
export interface SessionEntry {
  sid: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string;
  current: boolean;
}

/** The claims of an access token this suite looks at. */
export interface SessionClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  ep: string;
  exp: number;
}

export interface Account {
  id: string;
  email: string;
}

export function claimsOf(accessToken: string): SessionClaims {
  return decodeClaims(accessToken) as unknown as SessionClaims;
}

/** The session id an access token belongs to. */
export function sidOf(pair: TokenPair): string {
  return claimsOf(pair.access_token).sid;
}

/**
 * A well-formed refresh token for the session of `pair` at `generation`, authenticated with a key of its own
 * instead of the server's: everything a forger who saw the access token knows, but not the secret.
 */
export function forgeRefreshToken(pair: TokenPair, generation: number): string {
  const codec = new RefreshTokenCodec(createSecretKey(randomBytes(48)));
  return codec.issue({ userId: claimsOf(pair.access_token).sub, sessionId: sidOf(pair), generation }).token;
}

/** A fresh account (not logged in). */
export function newAccount(http: TestAgent): Promise<Account> {
  return register(http);
}

/** Logs in (one new session) with the given User-Agent header and returns the whole token response. */
export async function loginWithAgent(
  http: TestAgent,
  email: string,
  userAgent = 'session-journeys/1.0',
  password = PASSWORD,
): Promise<TokenPair> {
  const response = await http.post('/login').set('User-Agent', userAgent).send({ email, password });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${response.text}`);
  return response.body as TokenPair;
}

/** A fresh account registered on `api` (201) and logged in there (200): its token pair. */
export async function signUpOn(api: TestAgent): Promise<TokenPair> {
  const email = uniqueEmail();
  await register(api, email);
  return loginWithAgent(api, email);
}

/** POST /refresh with the token in the body; `undefined` sends an empty JSON object. Not asserted. */
export function refresh(http: TestAgent, refreshToken: string | undefined): Test {
  return http.post('/refresh').send(refreshToken === undefined ? {} : { refresh_token: refreshToken });
}

/** Rotates a refresh token that must be current, and returns the new pair. */
export async function rotate(http: TestAgent, refreshToken: string): Promise<TokenPair> {
  const response = await refresh(http, refreshToken);
  if (response.status !== 200) throw new Error(`refresh answered ${response.status}: ${response.text}`);
  return response.body as TokenPair;
}

/** Sends two POST /refresh with the same token at once; both requests are on the wire before either answer. */
export function raceRefresh(http: TestAgent, refreshToken: string): Promise<[Response, Response]> {
  return Promise.all([refresh(http, refreshToken), refresh(http, refreshToken)]);
}

/** The status GET /me answers for an access token: 200 when it is accepted, 401 when it is refused. */
export async function accessStatus(http: TestAgent, accessToken: string): Promise<number> {
  return (await http.get('/me').set(bearer(accessToken))).status;
}

/**
 * The status POST /refresh answers for a refresh token. Use it on tokens expected to be refused: a 200 rotates
 * the token (which then stops working).
 */
export async function refreshStatus(http: TestAgent, refreshToken: string): Promise<number> {
  return (await refresh(http, refreshToken)).status;
}

/** Whether a session still works, seen through both of its tokens (the refresh token is spent when it works). */
export async function tokenStatuses(http: TestAgent, pair: TokenPair): Promise<{ access: number; refresh: number }> {
  return {
    access: await accessStatus(http, pair.access_token),
    refresh: await refreshStatus(http, pair.refresh_token),
  };
}

/** GET /sessions as the owner of `accessToken`. */
export async function listSessions(http: TestAgent, accessToken: string): Promise<SessionEntry[]> {
  const response = await http.get('/sessions').set(bearer(accessToken));
  if (response.status !== 200) throw new Error(`GET /sessions answered ${response.status}: ${response.text}`);
  return response.body as SessionEntry[];
}

/** DELETE /sessions/:sid as the owner of `accessToken`. Not asserted. */
export function endSession(http: TestAgent, accessToken: string, sid: string): Test {
  return http.delete(`/sessions/${sid}`).set(bearer(accessToken));
}

/** POST /me/password as the owner of `accessToken`. Not asserted. */
export function changePassword(
  http: TestAgent,
  accessToken: string,
  currentPassword: string,
  newPassword: string,
): Test {
  return http
    .post('/me/password')
    .set(bearer(accessToken))
    .send({ current_password: currentPassword, new_password: newPassword });
}

/** Waits (at most `boundMs`) until the wall clock is past `epochMs`, so a later timestamp is strictly greater. */
export async function waitUntilPast(epochMs: number, boundMs = 1000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() <= epochMs && Date.now() < deadline) {
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

/** True when `value` is an ISO-8601 timestamp as `Date.prototype.toISOString` writes it. */
export function isIsoTimestamp(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}
