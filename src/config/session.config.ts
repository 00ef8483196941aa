import { durationSetting } from './duration.js';
import type { EnvironmentVariables } from './env.validation.js';

export function sessionConfig(env: EnvironmentVariables, problems: string[]) {
  return {
    refreshTtlSeconds: durationSetting(problems, 'JWT_REFRESH_TTL', env.JWT_REFRESH_TTL),
    maxAgeSeconds: durationSetting(problems, 'SESSION_MAX_AGE', env.SESSION_MAX_AGE),
    reuseGraceSeconds: durationSetting(problems, 'REFRESH_REUSE_GRACE', env.REFRESH_REUSE_GRACE, { allowZero: true }),
    maxSessionsPerUser: env.SESSIONS_PER_USER,
    cookieTransport: env.AUTH_COOKIE === 'true',
  };
}

export type SessionConfig = ReturnType<typeof sessionConfig>;
