import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';

export const PASSWORD = 'correct horse battery staple';

export interface Session {
  email: string;
  userId: string;
  accessToken: string;
}

export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.com`;
}

export async function register(
  http: TestAgent,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<{ id: string; email: string }> {
  const response = await http.post('/register').send({ email, password }).expect(201);
  return response.body as { id: string; email: string };
}

export async function login(http: TestAgent, email: string, password = PASSWORD): Promise<string> {
  const response = await http.post('/login').send({ email, password }).expect(200);
  return (response.body as { access_token: string }).access_token;
}

/** A fresh account, logged in once. */
export async function signUp(http: TestAgent): Promise<Session> {
  const { id, email } = await register(http);
  return { email, userId: id, accessToken: await login(http, email) };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** How long the fault suites let one request take before counting it as hung (a refusal must come before). */
export const REQUEST_TIMEOUT_MS = 3000;

/** GET /me with the token, bounded by REQUEST_TIMEOUT_MS. */
export function getMe(http: TestAgent, accessToken: string): Test {
  return http.get('/me').set(bearer(accessToken)).timeout(REQUEST_TIMEOUT_MS);
}

/** The decoded (unverified) payload of a JWT, for assertions about its claims. */
export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}
