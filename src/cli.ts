import 'reflect-metadata';
import { inspect } from 'node:util';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { StartupRefusedError } from './common/errors/startup-refused.error.js';
import { StoreUnavailableError } from './common/errors/store-unavailable.error.js';
import { CliModule } from './cli/cli.module.js';
import { loadConfig, processSettings } from './config/load-config.js';
import type { LoggingConfig } from './config/logging.config.js';

/**
 * The operator CLI (`npm run cli -- <command>`), on the app's own modules and store. Every command prints its
 * result on stdout and exits 0; any failure is one line on stderr (the stack too with LOG_LEVEL=debug) and exit 1.
 */

/** Nest's console logger, writing to stderr only: stdout carries nothing but the command's result. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

// Set once the config is loaded: until then (a refused config included) failures are one line.
let logging: LoggingConfig | undefined;
const debugging = () => logging?.level === 'debug' || logging?.level === 'trace';

async function run(): Promise<number> {
  const config = loadConfig(processSettings());
  logging = config.logging;
  let exitCode = 0;
  const logLevels: LogLevel[] = debugging() ? config.logging.nestLevels : ['warn', 'error'];
  const logger = new StderrLogger({ logLevels, colors: process.stderr.isTTY === true });
  Logger.overrideLogger(logger);
  await CommandFactory.run(CliModule.forRoot(config), {
    logger,
    abortOnError: false,
    // Commander's exits (an unknown command, --help) are thrown on, so the app context closes before the exit.
    errorHandler: (error) => {
      throw error;
    },
    // A failed command (or a commander exit): reported here; CommandFactory then closes the app context.
    serviceErrorHandler: (error) => {
      exitCode = report(error);
    },
  });
  return exitCode;
}

/** Writes the one line of a failure and answers the exit code. Commander has already printed its own messages. */
function report(error: unknown): number {
  const commanderExit = asCommanderExit(error);
  if (commanderExit) return commanderExit.exitCode;
  process.stderr.write(`${describe(error)}\n`);
  return 1;
}

function describe(error: unknown): string {
  if (debugging()) return inspect(error);
  if (error instanceof StartupRefusedError) return error.message;
  if (error instanceof StoreUnavailableError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `error: ${error.message}${cause}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`.replace(/\s*\n[\s\S]*/, '');
}

/** Commander's own exit (help shown, unknown command, missing argument): its `CommanderError`, duck-typed. */
function asCommanderExit(error: unknown): { exitCode: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number'
    ? { exitCode }
    : undefined;
}

/** Exits once stdout and stderr are flushed; the app context (and its Redis connection) is closed by then. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

run().then(exit, (error: unknown) => exit(report(error)));
