import { TTLCache } from '@isaacs/ttlcache';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

// TTLCache runs on its own clock and may drop an entry a millisecond early. Each entry therefore carries its own
// deadline (on Date.now(), the clock tokens use) and the cache keeps it this much longer, only to reclaim memory.
const RECLAIM_AFTER_MS = 1000;

interface Deadline<V> {
  value: V;
  untilMs: number;
}

/** A map whose entries count only until their deadline, and are forgotten soon after it. */
class DeadlineMap<V> {
  private readonly entries = new TTLCache<string, Deadline<V>>();

  get(key: string): Deadline<V> | undefined {
    const entry = this.entries.get(key);
    return entry && Date.now() < entry.untilMs ? entry : undefined;
  }

  set(key: string, value: V, untilMs: number): void {
    const ttl = untilMs - Date.now();
    if (ttl > 0) this.entries.set(key, { value, untilMs }, { ttl: ttl + RECLAIM_AFTER_MS });
  }
}

/**
 * The embedded store for a single instance without Redis. Same contract as the Redis store; entries expire
 * on the same schedule, so memory stays bounded by the number of live tokens.
 */
export class InMemoryRevocationStore implements RevocationStore {
  private readonly revokedTokens = new DeadlineMap<true>();
  private readonly revokedSessions = new DeadlineMap<true>();
  private readonly notBefore = new DeadlineMap<number>();

  isRevoked(token: TokenIdentity): Promise<boolean> {
    const notBefore = this.notBefore.get(token.userId)?.value;
    return Promise.resolve(
      this.revokedTokens.get(token.jti) !== undefined ||
        this.revokedSessions.get(token.sessionId) !== undefined ||
        (notBefore !== undefined && token.issuedAtMs <= notBefore),
    );
  }

  revokeTokenAndSession(token: TokenIdentity, tokenExpiresAtMs: number, sessionExpiresAtMs: number): Promise<void> {
    // Set once (like SET NX), while a session's deadline only ever moves later (like PEXPIREAT GT).
    if (!this.revokedTokens.get(token.jti)) this.revokedTokens.set(token.jti, true, tokenExpiresAtMs);
    return this.revokeSession(token.userId, token.sessionId, sessionExpiresAtMs);
  }

  revokeSession(_userId: string, sessionId: string, untilMs: number): Promise<void> {
    const session = this.revokedSessions.get(sessionId);
    this.revokedSessions.set(sessionId, true, Math.max(untilMs, session?.untilMs ?? 0));
    return Promise.resolve();
  }

  revokeUserTokensIssuedBefore(userId: string, notBeforeMs: number, keepUntilMs: number): Promise<void> {
    const current = this.notBefore.get(userId);
    this.notBefore.set(
      userId,
      Math.max(notBeforeMs, current?.value ?? 0),
      Math.max(keepUntilMs, current?.untilMs ?? 0),
    );
    return Promise.resolve();
  }
}
