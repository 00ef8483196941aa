import { oauthClientsSetting } from '../oauth-client.js';
import { useApp } from '../use-app.js';
import { itAnswersOnlyAuthenticatedClients } from './introspection-client-checks.js';
import { itAnswersInactiveForDeadTokens } from './introspection-of-dead-tokens.js';
import { itDescribesLiveTokens } from './introspection-of-live-tokens.js';
import type { OAuthJourneyOptions } from './shared.js';

/** RFC 7662: POST /oauth/introspect describes a live token to an authenticated client, and any dead one as inactive. */
export function describeIntrospection({ createApp }: OAuthJourneyOptions): void {
  describe('POST /oauth/introspect (RFC 7662)', () => {
    const api = useApp(createApp, { OAUTH_CLIENTS: oauthClientsSetting() });

    itDescribesLiveTokens(api);
    itAnswersOnlyAuthenticatedClients(api);
    itAnswersInactiveForDeadTokens(api);
  });
}
