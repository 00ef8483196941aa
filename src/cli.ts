import 'reflect-metadata';
import { inspect } from 'node:util';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { StartupRefusedError } from './common/errors/startup-refused.error.js';
import { StoreUnavailableError } from './common/errors/store-unavailable.error.js';
import { appConfig } from './config/app.config.js';
import { LOG_LEVELS, assertValidEnvironment } from './config/env.validation.js';

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

// Read after assertValidEnvironment(), so LOG_LEVEL is one of the known levels.
const logLevel = () => appConfig().logLevel;
const debugging = () => ['debug', 'verbose'].includes(logLevel());

async function run(): Promise<number> {
  assertValidEnvironment();
  let exitCode = 0;
  const logLevels: LogLevel[] = debugging()
    ? LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel()) + 1)
    : ['warn', 'error'];
  const logger = new StderrLogger({ logLevels, colors: process.stderr.isTTY === true });
  // Before the module graph loads: ConditionalModule logs (at debug level) while it is imported.
  Logger.overrideLogger(logger);
  // Imported only once the environment is known to be valid: loading the module graph runs ConfigModule.forRoot.
  const { CliModule } = await import('./cli/cli.module.js');
  await CommandFactory.run(CliModule, {
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
