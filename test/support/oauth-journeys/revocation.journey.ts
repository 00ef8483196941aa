import { SessionStore } from '../../../src/sessions/session-store.js';
import { oauthClientsSetting } from '../oauth-client.js';
import { useApp } from '../use-app.js';
import { itChecksTheRevokingClientAndRequest } from './revocation-client-checks.js';
import { itRevokesTheSessionATokenNames } from './revocation-of-tokens.js';
import type { OAuthJourneyOptions } from './shared.js';

/** RFC 7009: POST /oauth/revoke ends the session a token names, and answers 200 alike for what it cannot revoke. */
export function describeRevocation({ storeName, expectedStore, createApp }: OAuthJourneyOptions): void {
  describe('POST /oauth/revoke (RFC 7009)', () => {
    const api = useApp(createApp, { OAUTH_CLIENTS: oauthClientsSetting() });

    it(`runs on the ${storeName} session store`, () => {
      expect(api().app.get(SessionStore)).toBeInstanceOf(expectedStore);
    });

    itRevokesTheSessionATokenNames(api);
    itChecksTheRevokingClientAndRequest(api);
  });
}
