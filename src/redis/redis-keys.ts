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

  user(userId: string): string {
    return `${this.prefix}{${userId}}:user`;
  }

  userIdByEmail(email: string): string {
    return `${this.prefix}email:${email}`;
  }
}
