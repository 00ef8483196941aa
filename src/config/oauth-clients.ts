import { weakSecretReason } from './secret-strength.js';

/** A confidential client of the OAuth endpoints (RFC 7662 introspection, RFC 7009 revocation). */
export interface OAuthClient {
  id: string;
  secret: string;
  /**
   * The audiences whose tokens it may introspect (RFC 7662 §4); empty: none. Undefined when the entry lists none:
   * oauth.config.ts then binds it to JWT_AUDIENCE.
   */
  audiences?: string[];
}

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
// `id:secret` or `id[aud aud]:secret`. Ids hold neither ":" nor "[", so the secret is everything after the first
// ":" outside the brackets, and every entry valid before audiences existed still reads the same.
const ENTRY = /^([^:[]*)(?:\[([^\]]*)\])?:(.*)$/s;

const FORMAT =
  'must be client_id:client_secret or client_id[audience …]:client_secret, the id 1-64 of A-Z a-z 0-9 . _ -';

/**
 * Reads OAUTH_CLIENTS: entries separated by commas (blank entries ignored), each `client_id:client_secret`, or
 * `client_id[audience audience …]:client_secret` to bind the client to those audiences (space-separated, as OAuth
 * writes scopes; `[]`: none). Every problem is one line that names the client or the entry's position, never a
 * secret.
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
    const [, id = '', audienceList, secret = ''] = ENTRY.exec(entry) ?? [];
    if (!CLIENT_ID.test(id)) {
      problems.push(`OAUTH_CLIENTS entry ${index + 1} ${FORMAT}`);
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
    const audiences = audienceList === undefined ? undefined : [...new Set(audienceList.split(/\s+/).filter(Boolean))];
    clients.push(audiences === undefined ? { id, secret } : { id, secret, audiences });
  });
  return { clients, problems };
}
