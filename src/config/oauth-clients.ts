import { weakSecretReason } from './secret-strength.js';

/** A confidential client of the OAuth endpoints (RFC 7662 introspection, RFC 7009 revocation). */
export interface OAuthClient {
  id: string;
  secret: string;
}

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Reads OAUTH_CLIENTS: `client_id:client_secret` pairs separated by commas (blank entries ignored). Every problem
 * is one line that names the client or the entry's position, never a secret.
 */
export function parseOAuthClients(
  setting: string | undefined,
  jwtSecret?: string,
): { clients: OAuthClient[]; problems: string[] } {
  const clients: OAuthClient[] = [];
  const problems: string[] = [];
  const entries = (setting ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    // Ids cannot hold ":", so the secret is everything after the first one.
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (colon < 0 || !CLIENT_ID.test(id)) {
      problems.push(
        `OAUTH_CLIENTS entry ${index + 1} must be client_id:client_secret, the id 1-64 of A-Z a-z 0-9 . _ -`,
      );
      return;
    }
    if (clients.some((client) => client.id === id)) {
      problems.push(`OAUTH_CLIENTS names client "${id}" twice`);
      return;
    }
    const weakness = weakSecretReason(secret);
    if (weakness) {
      problems.push(
        `OAUTH_CLIENTS: the secret of client "${id}" ${weakness}: use at least 32 random characters, e.g. "$(openssl rand -hex 32)"`,
      );
    } else if (secret === jwtSecret) {
      problems.push(`OAUTH_CLIENTS: client "${id}" must not use JWT_SECRET as its secret`);
    }
    clients.push({ id, secret });
  });
  return { clients, problems };
}
