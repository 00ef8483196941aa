import { durationSetting } from './duration.js';
import type { EnvironmentVariables } from './env.validation.js';

// An address an account proved its password from stays exempt from THROTTLE_ACCOUNT_GLOBAL_LIMIT this long.
const KNOWN_ADDRESS_MS = 30 * 24 * 3600 * 1000;

export function throttleConfig(env: EnvironmentVariables, problems: string[]) {
  const windowMs = durationSetting(problems, 'THROTTLE_WINDOW', env.THROTTLE_WINDOW) * 1000;
  return {
    windowMs,
    ipLimit: env.THROTTLE_IP_LIMIT,
    failures: {
      pairLimit: env.THROTTLE_ACCOUNT_LIMIT,
      pairWindowMs: windowMs,
      subjectLimit: env.THROTTLE_ACCOUNT_GLOBAL_LIMIT,
      subjectWindowMs:
        durationSetting(problems, 'THROTTLE_ACCOUNT_GLOBAL_WINDOW', env.THROTTLE_ACCOUNT_GLOBAL_WINDOW) * 1000,
      knownAddressMs: KNOWN_ADDRESS_MS,
    },
  };
}

export type ThrottleConfig = ReturnType<typeof throttleConfig>;
