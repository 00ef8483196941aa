import type { EnvironmentVariables } from './env.validation.js';
import { parseOAuthClients, type OAuthClient } from './oauth-clients.js';

/** A client of OAUTH_CLIENTS with the audiences it may introspect resolved. */
export type ConfiguredOAuthClient = Required<OAuthClient>;

export function oauthConfig(env: EnvironmentVariables, problems: string[]) {
  const { clients, problems: clientProblems } = parseOAuthClients(env.OAUTH_CLIENTS, env.JWT_SECRET);
  problems.push(...clientProblems);
  return {
    // A client that lists no audience may introspect this API's own tokens, as every client could before audiences
    // existed.
    clients: clients.map((client): ConfiguredOAuthClient => ({
      ...client,
      audiences: client.audiences ?? [env.JWT_AUDIENCE],
    })),
    // Failed client authentications per client id and address per THROTTLE_WINDOW, before 429.
    clientFailureLimit: env.THROTTLE_OAUTH_CLIENT_LIMIT,
  };
}

export type OAuthConfig = ReturnType<typeof oauthConfig>;
