import { registerAs } from '@nestjs/config';
import type { Level } from 'pino';
import { readEnv, type LOG_LEVELS } from './env.validation.js';

// LOG_LEVEL keeps Nest's names; pino calls `log` info and `verbose` trace.
const PINO_LEVELS: Record<(typeof LOG_LEVELS)[number], Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export const loggingConfig = registerAs('logging', () => {
  const env = readEnv();
  return {
    level: PINO_LEVELS[env.LOG_LEVEL],
    format: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
    /** One line per completed request (at info level). */
    requests: env.LOG_REQUESTS === 'true',
  };
});

export type LoggingConfig = ReturnType<typeof loggingConfig>;
