/**
 * Key layout. Every key of one user carries the user id as a Redis Cluster hash tag (`{<userId>}`), so the keys
 * the guard reads together, and the writes of one logout, always live in one slot.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  revokedToken(userId: string, jti: string): string {
    return `${this.prefix}{${userId}}:jti:${jti}`;
  }

  revokedSession(userId: string, sessionId: string): string {
    return `${this.prefix}{${userId}}:sid:${sessionId}`;
  }

  notBefore(userId: string): string {
    return `${this.prefix}{${userId}}:nbf`;
  }

  session(userId: string, sessionId: string): string {
    return `${this.sessionPrefix(userId)}${sessionId}`;
  }

  /** Scripts that walk a user's sessions build each session key from this and the session id (same slot). */
  sessionPrefix(userId: string): string {
    return `${this.prefix}{${userId}}:session:`;
  }

  /** Sorted set of the user's session ids, scored by the expiry of each session's refresh token. */
  sessions(userId: string): string {
    return `${this.prefix}{${userId}}:sessions`;
  }

  /** The audit stream: one key for the whole deployment (it is written rarely). */
  audit(): string {
    return `${this.prefix}audit`;
  }

  user(userId: string): string {
    return `${this.prefix}{${userId}}:user`;
  }

  userIdByEmail(email: string): string {
    return `${this.prefix}email:${email}`;
  }
}
