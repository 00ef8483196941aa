import { TTLCache } from '@isaacs/ttlcache';
import type { StoreEpoch } from '../epoch/store-epoch.js';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

// TTLCache runs on its own clock and may drop an entry a millisecond early. Each entry therefore carries its own
// deadline (on Date.now(), the clock this process's tokens use) and the cache keeps it this much longer, only to
// reclaim memory.
const RECLAIM_AFTER_MS = 1000;

/** Ids that count as revoked until their deadline, and are forgotten soon after it. A deadline only moves later. */
class Revoked {
  private readonly deadlines = new TTLCache<string, number>();

  has(id: string): boolean {
    const untilMs = this.deadlines.get(id);
    return untilMs !== undefined && Date.now() < untilMs;
  }

  add(id: string, untilMs: number): void {
    const current = this.deadlines.get(id) ?? 0;
    const ttl = untilMs - Date.now();
    if (untilMs > current && ttl > 0) this.deadlines.set(id, untilMs, { ttl: ttl + RECLAIM_AFTER_MS });
  }
}

/**
 * The embedded store's revocations, for a single instance without Redis: what the in-memory session store writes
 * (synchronously, within its own atomic steps) and the guard reads. Entries expire on the same schedule as in
 * Redis, so memory stays bounded by the number of live tokens.
 */
export class InMemoryRevocationStore implements RevocationStore {
  private readonly tokens = new Revoked();
  private readonly sessions = new Revoked();

  constructor(private readonly epoch: StoreEpoch) {}

  isRevoked(token: TokenIdentity): Promise<boolean> {
    return Promise.resolve(this.answerFromMemory(token));
  }

  answerFromMemory(token: TokenIdentity): boolean {
    return token.epoch !== this.epoch.confirmed || this.tokens.has(token.jti) || this.sessions.has(token.sessionId);
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  isTokenRevoked(jti: string): boolean {
    return this.tokens.has(jti);
  }

  revokeToken(jti: string, untilMs: number): void {
    this.tokens.add(jti, untilMs);
  }

  revokeSession(sessionId: string, untilMs: number): void {
    this.sessions.add(sessionId, untilMs);
  }
}
