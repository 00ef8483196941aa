import { hash } from 'node:crypto';
import { TTLCache } from '@isaacs/ttlcache';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage, normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import type { AllConfig } from '../config/config.types.js';
import { presentedClient, type ClientBodyParameters, type PresentedClient } from './client-credentials.js';
import { OAuthException } from './oauth.exception.js';
import { TooManyClientFailuresException } from './too-many-client-failures.exception.js';

const THROTTLER_NAME = 'oauth-client';
// Blocks this instance remembers; each one took THROTTLE_OAUTH_CLIENT_LIMIT failures, so a flood fills it slowly.
const MAX_REMEMBERED_BLOCKS = 100_000;

/** What a request presents to authenticate its client: the Authorization header, the body, the caller's address. */
export interface ClientRequest {
  authorization?: string;
  body: ClientBodyParameters;
  address: string;
}

/**
 * Client authentication with its failures counted per client id and caller address (the id the request names,
 * known or not, so the count tells nothing about which ids exist). Past THROTTLE_OAUTH_CLIENT_LIMIT failures in
 * THROTTLE_WINDOW, that pair gets 429 for a window, whatever secret it sends: a right guess would otherwise still
 * show as a 200. Other addresses, and other clients from the same address, are not affected, so a storm of wrong
 * secrets cannot lock a client out.
 *
 * Only failures reach the store (the throttler's, Redis when configured, shared by every instance): a correct
 * secret asks no store, so introspection stays one store round trip. It is refused while this instance knows the
 * pair is blocked, which it learns from every failure it counts.
 */
@Injectable()
export class ClientFailureThrottle {
  private readonly windowMs: number;
  private readonly limit: number;
  private readonly blockedPairs = new TTLCache<string, true>({ max: MAX_REMEMBERED_BLOCKS });

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    config: ConfigService<AllConfig, true>,
  ) {
    this.windowMs = config.get('throttle.windowMs', { infer: true });
    this.limit = config.get('oauth.clientFailureLimit', { infer: true });
  }

  /**
   * Runs `check` on the client the request presents, unless that pair is blocked, and counts it if it fails. A
   * request that names no client id (no credentials, a malformed Authorization header) guesses no secret: it is
   * answered without being counted or blocked.
   */
  async authenticate<T>(request: ClientRequest, check: (client: PresentedClient | undefined) => T): Promise<T> {
    const client = presentedClient(request.authorization, request.body);
    if (!client) return check(client);
    this.refuseIfBlocked(client.id, request.address);
    try {
      return check(client);
    } catch (error) {
      if (error instanceof OAuthException && error.code === 'invalid_client') {
        await this.countFailure(pairKey(client.id, request.address));
      }
      throw error;
    }
  }

  private refuseIfBlocked(clientId: string, address: string): void {
    // Nothing blocked (the usual case): the request pays for no key.
    if (this.blockedPairs.size === 0) return;
    const remainingMs = this.blockedPairs.getRemainingTTL(pairKey(clientId, address));
    if (remainingMs > 0) throw new TooManyClientFailuresException(Math.ceil(remainingMs / 1000));
  }

  private async countFailure(pair: string): Promise<void> {
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(
      pair,
      this.windowMs,
      this.limit,
      this.windowMs,
      THROTTLER_NAME,
    );
    if (!isBlocked) return;
    const retryAfterSeconds = Math.max(1, timeToBlockExpire);
    this.blockedPairs.set(pair, true, { ttl: retryAfterSeconds * 1000 });
    throw new TooManyClientFailuresException(retryAfterSeconds);
  }
}

// Hashed: a client id may be as long as a header, and it stays out of the store's keys.
function pairKey(clientId: string, address: string): string {
  return hash('sha256', `${clientId}\n${normalizeIp(address)}`, 'hex');
}
