import { CommandRunner } from 'nest-commander';

/** A failure the operator can act on: its message is the whole report (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

type Commander = Parameters<CommandRunner['setCommand']>[0];

/**
 * A command of the operator CLI. Commander's own exits of this command (a missing argument, `--help`) are thrown
 * instead of ending the process on the spot, so they reach the entry's error handler after the app context (and
 * its Redis connection) has been closed.
 */
export abstract class CliCommand extends CommandRunner {
  override setCommand(command: Commander): this {
    command.exitOverride((error) => {
      throw error;
    });
    return super.setCommand(command);
  }

  /** One line of the command's result on stdout. */
  protected say(line: string): void {
    process.stdout.write(`${line}\n`);
  }
}
