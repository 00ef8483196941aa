import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import type { ConfiguredOAuthClient } from '../config/oauth.config.js';
import type { PresentedClient } from './client-credentials.js';
import { OAuthException } from './oauth.exception.js';

// One-shot (Node >= 21.7): no Hash object per call. A string is hashed as UTF-8.
function digest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

interface KnownClient {
  client: ConfiguredOAuthClient;
  secretDigest: Buffer;
}

/**
 * Checks client credentials against OAUTH_CLIENTS. Secrets are compared as SHA-256 digests in constant time, and
 * an unknown id costs the same work as a known one, so neither the timing nor the answer tells them apart.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly known: Map<string, KnownClient>;
  // Compared against when the id is unknown, so that case costs the same work; the answer is no either way.
  private readonly unknownClientDigest = randomBytes(32);

  constructor(config: ConfigService<AllConfig, true>) {
    const clients = config.get('oauth.clients', { infer: true });
    this.known = new Map(clients.map((client) => [client.id, { client, secretDigest: digest(client.secret) }]));
  }

  /**
   * Introspection (RFC 7662 §2.1): only a configured client with its own secret, which is returned; anything else
   * is 401.
   */
  requireConfidential(client: PresentedClient | undefined): ConfiguredOAuthClient {
    const known = client && this.verified(client);
    if (!known) throw OAuthException.invalidClient();
    return known;
  }

  /**
   * Revocation (RFC 7009 §2.1): public clients may revoke their tokens without credentials (the token is the proof).
   * Credentials that are presented must be valid, and a configured (confidential) client must use its secret.
   */
  allowPublic(client: PresentedClient | undefined): void {
    if (!client) return;
    if (client.secret === undefined && !this.known.has(client.id)) return;
    if (!this.verified(client)) throw OAuthException.invalidClient();
  }

  private verified(client: PresentedClient): ConfiguredOAuthClient | undefined {
    const known = this.known.get(client.id);
    const matches = timingSafeEqual(digest(client.secret ?? ''), known?.secretDigest ?? this.unknownClientDigest);
    return matches ? known?.client : undefined;
  }
}
