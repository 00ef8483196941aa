import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_BOUND_MS, nonEmptyLines, type Exit } from './app-process.js';
import { withDatabase } from './test-database.js';

/** The built operator CLI, run as `npm run cli -- <command>` runs it. */
export const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun extends Exit {
  stdout: string;
  stderr: string;
  /** The non-empty lines of each stream, colour codes removed. */
  out: string[];
  err: string[];
}

/**
 * Runs `node dist/cli.js <args>` to completion: a child process with a controlled environment (PATH and HOME, the
 * base environment, then per-run changes, where `undefined` removes a variable, and the deployment's database), in
 * an empty temporary directory
 * so that no `.env` is picked up. A run still going after the bound is killed by its pid and fails.
 */
export class CliProcesses {
  private readonly running = new Set<ChildProcess>();
  private readonly workDir = mkdtempSync(join(tmpdir(), 'revocable-jwt-cli-'));

  constructor(private readonly baseEnv: Record<string, string>) {}

  async run(args: string[], env: Record<string, string | undefined> = {}, boundMs = EXIT_BOUND_MS): Promise<CliRun> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
    const controlled: Record<string, string> = {};
    for (const key of ['PATH', 'HOME']) {
      const value = process.env[key];
      if (value !== undefined) controlled[key] = value;
    }
    // The database of the deployment the CLI acts on (test-database.ts), unless the run names one or removes it.
    for (const [key, value] of Object.entries(await withDatabase({ ...this.baseEnv, ...env }))) {
      if (value === undefined) delete controlled[key];
      else controlled[key] = value;
    }
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: this.workDir,
      env: controlled,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // 'close' comes after 'exit' and after both pipes ended, so the output is complete when it resolves.
    const closed = new Promise<Exit>((done) => child.once('close', (code, signal) => done({ code, signal })));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), boundMs)));
    try {
      const exit = await Promise.race([closed, bound]);
      if (!exit) {
        kill(child);
        await closed;
        throw new Error(
          `cli ${args.join(' ')} was still running after ${boundMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        );
      }
      return { ...exit, stdout, stderr, out: nonEmptyLines(stdout), err: nonEmptyLines(stderr) };
    } finally {
      clearTimeout(timer);
      this.running.delete(child);
    }
  }

  /** Kills (by pid) whatever still runs and removes the working directory. */
  dispose(): void {
    for (const child of this.running) kill(child);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** An admin account made as an operator makes one (`create-admin`, with `env`), logged in: its access token. */
export async function adminAccessToken(
  env: Record<string, string>,
  logIn: (email: string, password: string) => Promise<{ access_token: string }>,
): Promise<string> {
  const email = `admin-${randomUUID()}@example.com`;
  const password = 'an operator chosen passphrase';
  const cli = new CliProcesses(env);
  try {
    const created = await cli.run(['create-admin', email], { ADMIN_PASSWORD: password });
    if (created.code !== 0) throw new Error(`create-admin failed: ${created.stderr}`);
  } finally {
    cli.dispose();
  }
  return (await logIn(email, password)).access_token;
}
