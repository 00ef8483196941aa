// What the session journeys share: the options a store's suite passes in, the ended-session answer, the table of
// refresh tokens the server never issued, and the JSON error assertion.
import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { forgeRefreshToken, type TokenPair } from '../session-client.js';
// Type only: importing test-app.js at runtime would pick the Redis-or-memory store before the caller chose it.
import type { TestApp } from '../test-app.js';

export interface SessionJourneyOptions {
  /** Names the store in the suite's title. */
  storeName: string;
  /** The SessionStore adapter every app of the suite must be bound to. */
  expectedStore: abstract new (...args: never[]) => unknown;
  /** Builds one app with per-app environment overrides; called from `beforeAll`, one app at a time. */
  createApp: (env?: Record<string, string>) => Promise<TestApp>;
}

/** What tokenStatuses answers for a session that is over: its access and refresh tokens both refused. */
export const ENDED = { access: 401, refresh: 401 };

/** Refresh tokens the server did not issue as they are, built from a real session's token pair. */
export const INVALID_REFRESH_TOKENS: [string, (pair: TokenPair) => string][] = [
  ['a garbage string', () => 'garbage'],
  ['an empty string', () => ''],
  ['a token with one character changed', (pair) => flipCharacter(pair.refresh_token, 40)],
  ['a token cut short by one character', (pair) => pair.refresh_token.slice(0, -1)],
  ['random bytes of the right length', () => randomBytes(84).toString('base64url')],
  [
    "a token for the same user, session and generation, signed with another server's key",
    (pair) => forgeRefreshToken(pair, 0),
  ],
  ['the access token', (pair) => pair.access_token],
];

function flipCharacter(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** Asserts a JSON error body that repeats the response's status. */
export function expectJsonError(response: Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
}
