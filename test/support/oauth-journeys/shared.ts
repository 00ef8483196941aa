// What the OAuth journeys share: the options a store's suite passes in, what tokenStatuses and introspection answer
// for live and dead tokens, the table of tokens that are not live, and a fresh session to test against.
import { randomBytes } from 'node:crypto';
import { expiredCopy, resigned } from '../oauth-client.js';
import { forgeRefreshToken, loginWithAgent, newAccount, type TokenPair } from '../session-client.js';
// Type only: importing test-app.js at runtime would pick the Redis-or-memory store before the caller chose it.
import type { TestApp } from '../test-app.js';

export interface OAuthJourneyOptions {
  /** Names the store in the suite's title. */
  storeName: string;
  /** The SessionStore adapter every app of the suite must be bound to. */
  expectedStore: abstract new (...args: never[]) => unknown;
  /** Builds one app with per-app environment overrides; called from `beforeAll`, one app at a time. */
  createApp: (env?: Record<string, string>) => Promise<TestApp>;
}

/** The accessor useApp returns: the tests of one describe share its app. */
export type JourneyApp = () => TestApp;

export const ALIVE = { access: 200, refresh: 200 };
export const ENDED = { access: 401, refresh: 401 };
export const INACTIVE = { active: false };

/** Tokens that are not live tokens of this server, built from a real session's pair (which must stay untouched). */
export const NOT_LIVE_TOKENS: [string, (pair: TokenPair) => string][] = [
  ['a garbage string', () => 'garbage'],
  ['random bytes shaped like a refresh token', () => randomBytes(84).toString('base64url')],
  ['an expired access token of the session', (pair) => expiredCopy(pair.access_token)],
  [
    "the session's access token signed with another key",
    (pair) => resigned(pair.access_token, randomBytes(32).toString('hex')),
  ],
  ["the session's refresh token forged with another key", (pair) => forgeRefreshToken(pair, 0)],
];

export async function newPair(http: TestApp['http']): Promise<TokenPair> {
  const { email } = await newAccount(http);
  return loginWithAgent(http, email);
}
