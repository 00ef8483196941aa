import type { JwtConfig } from '../config/jwt.config.js';
import type { SessionConfig } from '../config/session.config.js';

/** How long each session-related entry must live so it outlasts every token it can refuse, and not longer. */
export class SessionLifetimes {
  readonly refreshTtlMs: number;
  readonly maxAgeMs: number;
  readonly reuseGraceMs: number;
  /** An access token's lifetime plus the clock tolerance: how long after its minting it can still verify. */
  private readonly accessLifetimeMs: number;

  constructor(jwt: JwtConfig, session: SessionConfig) {
    this.refreshTtlMs = session.refreshTtlSeconds * 1000;
    this.maxAgeMs = session.maxAgeSeconds * 1000;
    this.reuseGraceMs = session.reuseGraceSeconds * 1000;
    this.accessLifetimeMs = (jwt.accessTtlSeconds + jwt.clockToleranceSeconds) * 1000;
  }

  /** A revoked session id must outlive the last access token a refresh could mint before the session's end. */
  revokeSessionUntil(absoluteExpiresAtMs: number): number {
    return absoluteExpiresAtMs + this.accessLifetimeMs;
  }

  /** For a session whose record is gone: the latest its end could be. */
  revokeUnknownSessionUntil(nowMs: number): number {
    return this.revokeSessionUntil(nowMs + this.maxAgeMs);
  }

  /** A not-before mark must outlive every access token and session that started before it. */
  keepNotBeforeUntil(nowMs: number): number {
    return nowMs + this.maxAgeMs + this.accessLifetimeMs;
  }

  refreshExpiresAt(nowMs: number, absoluteExpiresAtMs: number): number {
    return Math.min(nowMs + this.refreshTtlMs, absoluteExpiresAtMs);
  }
}
