import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration.js';
import { readEnv } from './env.validation.js';

export const throttleConfig = registerAs('throttle', () => {
  const env = readEnv();
  return {
    windowMs: (parseDurationSeconds(env.THROTTLE_WINDOW) as number) * 1000,
    ipLimit: env.THROTTLE_IP_LIMIT,
    accountLimit: env.THROTTLE_ACCOUNT_LIMIT,
  };
});

export type ThrottleConfig = ReturnType<typeof throttleConfig>;
