import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import type { PresentedClient } from './client-credentials.js';
import { OAuthException } from './oauth.exception.js';

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Checks client credentials against OAUTH_CLIENTS. Secrets are compared as SHA-256 digests in constant time, and
 * an unknown id costs the same work as a known one, so neither the timing nor the answer tells them apart.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly secretDigests: Map<string, Buffer>;
  // Compared against when the id is unknown, so that case costs the same work; the answer is no either way.
  private readonly unknownClientDigest = randomBytes(32);

  constructor(config: ConfigService<AllConfig, true>) {
    const clients = config.get('oauth.clients', { infer: true });
    this.secretDigests = new Map(clients.map((client) => [client.id, digest(client.secret)]));
  }

  /** Introspection (RFC 7662 §2.1): only a configured client with its own secret; anything else is 401. */
  requireConfidential(client: PresentedClient | undefined): void {
    if (!client || !this.verifies(client)) throw OAuthException.invalidClient();
  }

  /**
   * Revocation (RFC 7009 §2.1): public clients may revoke their tokens without credentials (the token is the proof).
   * Credentials that are presented must be valid, and a configured (confidential) client must use its secret.
   */
  allowPublic(client: PresentedClient | undefined): void {
    if (!client) return;
    if (client.secret === undefined && !this.secretDigests.has(client.id)) return;
    if (!this.verifies(client)) throw OAuthException.invalidClient();
  }

  private verifies(client: PresentedClient): boolean {
    const expected = this.secretDigests.get(client.id);
    const matches = timingSafeEqual(digest(client.secret ?? ''), expected ?? this.unknownClientDigest);
    return expected !== undefined && matches;
  }
}
