import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';
import { parseOAuthClients } from './oauth-clients.js';

export const oauthConfig = registerAs('oauth', () => {
  const env = readEnv();
  return {
    // Validated by validateEnv: every client here has a well-formed id and a strong secret of its own.
    clients: parseOAuthClients(env.OAUTH_CLIENTS).clients,
  };
});

export type OAuthConfig = ReturnType<typeof oauthConfig>;
