import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration.js';
import { readEnv } from './env.validation.js';

export const sessionConfig = registerAs('session', () => {
  const env = readEnv();
  return {
    refreshTtlSeconds: parseDurationSeconds(env.JWT_REFRESH_TTL) as number,
    maxAgeSeconds: parseDurationSeconds(env.SESSION_MAX_AGE) as number,
    reuseGraceSeconds: parseDurationSeconds(env.REFRESH_REUSE_GRACE, { allowZero: true }) as number,
    maxSessionsPerUser: env.SESSIONS_PER_USER,
    cookieTransport: env.AUTH_COOKIE === 'true',
  };
});

export type SessionConfig = ReturnType<typeof sessionConfig>;
