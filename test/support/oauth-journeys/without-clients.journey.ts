import { CLIENT, basic, expectOAuthError, oauthPost, revokeToken } from '../oauth-client.js';
import { tokenStatuses } from '../session-client.js';
import { useApp } from '../use-app.js';
import { ENDED, newPair, type OAuthJourneyOptions } from './shared.js';

/** Without OAUTH_CLIENTS no client can introspect, while public clients can still revoke. */
export function describeWithoutOAuthClients({ createApp }: OAuthJourneyOptions): void {
  describe('POST /oauth/introspect without OAUTH_CLIENTS', () => {
    const api = useApp(createApp);

    it.each([
      ['no credentials', undefined],
      ['credentials that would be valid elsewhere', basic(CLIENT)],
    ])('refuses %s with 401 invalid_client', async (_case, authorization) => {
      const { http } = api();
      const pair = await newPair(http);
      const response = await oauthPost(http, '/oauth/introspect', {
        fields: { token: pair.access_token },
        authorization,
      });
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('still revokes for public clients', async () => {
      const { http } = api();
      const pair = await newPair(http);
      await revokeToken(http, pair.access_token);
      expect(await tokenStatuses(http, pair)).toEqual(ENDED);
    });
  });
}
