import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';
import { parseOAuthClients, type OAuthClient } from './oauth-clients.js';

/** A client of OAUTH_CLIENTS with the audiences it may introspect resolved. */
export type ConfiguredOAuthClient = Required<OAuthClient>;

export const oauthConfig = registerAs('oauth', () => {
  const env = readEnv();
  return {
    // Validated by validateEnv: every client here has a well-formed id and a strong secret of its own. A client that
    // lists no audience may introspect this API's own tokens, as every client could before audiences existed.
    clients: parseOAuthClients(env.OAUTH_CLIENTS).clients.map((client): ConfiguredOAuthClient => ({
      ...client,
      audiences: client.audiences ?? [env.JWT_AUDIENCE],
    })),
    // Failed client authentications per client id and address per THROTTLE_WINDOW, before 429.
    clientFailureLimit: env.THROTTLE_OAUTH_CLIENT_LIMIT,
  };
});

export type OAuthConfig = ReturnType<typeof oauthConfig>;
