import type { LogLevel } from '@nestjs/common';
import type { LevelWithSilent } from 'pino';
import type { EnvironmentVariables } from './env.validation.js';

// LOG_LEVEL takes Nest's names and pino's alike: Nest's `log` is pino's `info`, `verbose` is `trace`.
const PINO_LEVELS = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
  trace: 'trace',
  silent: 'silent',
} as const satisfies Record<string, LevelWithSilent>;

export type LogLevelSetting = keyof typeof PINO_LEVELS;
export const LOG_LEVELS = Object.keys(PINO_LEVELS) as LogLevelSetting[];

// From the most severe down, in both vocabularies.
const PINO_ORDER: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const NEST_ORDER: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function loggingConfig(env: EnvironmentVariables) {
  const level = PINO_LEVELS[env.LOG_LEVEL];
  return {
    level,
    /** The same threshold in Nest's names (the CLI's console logger); none when silent. */
    nestLevels: NEST_ORDER.slice(0, PINO_ORDER.indexOf(level) + 1),
    format: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
    /** One line per completed request (at info level). */
    requests: env.LOG_REQUESTS === 'true',
  };
}

export type LoggingConfig = ReturnType<typeof loggingConfig>;
