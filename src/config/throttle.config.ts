import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration.js';
import { readEnv } from './env.validation.js';

// An address an account proved its password from stays exempt from THROTTLE_ACCOUNT_GLOBAL_LIMIT this long.
const KNOWN_ADDRESS_MS = 30 * 24 * 3600 * 1000;

export const throttleConfig = registerAs('throttle', () => {
  const env = readEnv();
  const windowMs = (parseDurationSeconds(env.THROTTLE_WINDOW) as number) * 1000;
  return {
    windowMs,
    ipLimit: env.THROTTLE_IP_LIMIT,
    failures: {
      pairLimit: env.THROTTLE_ACCOUNT_LIMIT,
      pairWindowMs: windowMs,
      subjectLimit: env.THROTTLE_ACCOUNT_GLOBAL_LIMIT,
      subjectWindowMs: (parseDurationSeconds(env.THROTTLE_ACCOUNT_GLOBAL_WINDOW) as number) * 1000,
      knownAddressMs: KNOWN_ADDRESS_MS,
    },
  };
});

export type ThrottleConfig = ReturnType<typeof throttleConfig>;
