import { describeIntrospectionAudienceBinding } from './oauth-journeys/audience-binding.journey.js';
import { describeIntrospection } from './oauth-journeys/introspection.journey.js';
import { describeRevocation } from './oauth-journeys/revocation.journey.js';
import type { OAuthJourneyOptions } from './oauth-journeys/shared.js';
import { describeWithoutOAuthClients } from './oauth-journeys/without-clients.journey.js';

export type { OAuthJourneyOptions } from './oauth-journeys/shared.js';

/**
 * RFC 7009 revocation and RFC 7662 introspection journeys against the apps `createApp` builds. Each store's suite
 * calls this once, so both stores answer to the same assertions. The journeys run in this order, each describe with
 * an app of its own (see oauth-journeys/).
 */
export function describeOAuthJourneys(options: OAuthJourneyOptions): void {
  describe(`OAuth endpoints (${options.storeName} store)`, () => {
    describeRevocation(options);
    describeIntrospection(options);
    describeIntrospectionAudienceBinding(options);
    describeWithoutOAuthClients(options);
  });
}
