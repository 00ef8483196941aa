import type { ConsoleLoggerOptions } from '@nestjs/common';
import { LOG_LEVELS } from './env.validation.js';
import type { AppConfig } from './app.config.js';

/** Nest's console logger: JSON lines in production, readable lines elsewhere; LOG_LEVEL and everything more severe. */
export function loggerOptions(app: AppConfig): ConsoleLoggerOptions {
  const threshold = LOG_LEVELS.indexOf(app.logLevel);
  return {
    logLevels: LOG_LEVELS.slice(0, threshold + 1),
    json: app.isProduction,
    colors: !app.isProduction,
  };
}
