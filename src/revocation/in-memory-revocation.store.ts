import { TTLCache } from '@isaacs/ttlcache';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

/**
 * The embedded store for a single instance without Redis. Same contract as the Redis store; entries expire
 * on the same schedule, so memory stays bounded by the number of live tokens.
 */
export class InMemoryRevocationStore implements RevocationStore {
  private readonly revokedTokens = new TTLCache<string, true>();
  private readonly revokedSessions = new TTLCache<string, true>();
  private readonly notBefore = new TTLCache<string, number>();

  isRevoked(token: TokenIdentity): Promise<boolean> {
    const notBefore = this.notBefore.get(token.userId);
    return Promise.resolve(
      this.revokedTokens.has(token.jti) ||
        this.revokedSessions.has(token.sessionId) ||
        (notBefore !== undefined && token.issuedAtMs <= notBefore),
    );
  }

  revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number): Promise<void> {
    if (!this.revokedTokens.has(token.jti)) {
      setUntil(this.revokedTokens, token.jti, true, tokenExpiresAtMs);
    }
    const sessionExpiry = Math.max(sessionExpiresAtMs, expiresAt(this.revokedSessions, token.sessionId));
    setUntil(this.revokedSessions, token.sessionId, true, sessionExpiry);
    return Promise.resolve();
  }

  revokeUserTokensIssuedBefore(userId: string, notBeforeMs: number, keepUntilMs: number): Promise<void> {
    const mark = Math.max(notBeforeMs, this.notBefore.get(userId) ?? 0);
    setUntil(this.notBefore, userId, mark, Math.max(keepUntilMs, expiresAt(this.notBefore, userId)));
    return Promise.resolve();
  }
}

function setUntil<V>(cache: TTLCache<string, V>, key: string, value: V, expiresAtMs: number): void {
  const ttl = expiresAtMs - Date.now();
  if (ttl > 0) cache.set(key, value, { ttl });
}

function expiresAt<V>(cache: TTLCache<string, V>, key: string): number {
  const remaining = cache.getRemainingTTL(key);
  return remaining > 0 ? Date.now() + remaining : 0;
}
