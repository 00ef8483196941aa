import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { freePort } from './redis-server.js';
import { withDatabase } from './test-database.js';

/**
 * The built app (`node dist/main.js`) as an operator runs it: a child process with a controlled environment (PATH
 * and HOME plus what the test passes), started in an empty temporary directory so that no `.env` is picked up.
 */
// TEST_APP_MAIN: a build of its own (e.g. `tsc -p tsconfig.build.json --outDir /tmp/x`), so a parallel `nest build` cannot wipe it.
export const MAIN = process.env.TEST_APP_MAIN ?? resolve(__dirname, '..', '..', 'dist', 'main.js');
export const EXIT_BOUND_MS = 10_000;
// How long an app may take to answer its first request. A cold boot takes 1-3 s alone; on a loaded 2-core CI box
// (two jest workers, each with apps and servers of its own) it took over 15 s once, so the bound is generous: a
// healthy app answers long before it, and an app that exits is reported at once, not at the bound.
export const READY_BOUND_MS = 45_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  closed: Promise<Exit>;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The settings every suite's app processes share: the test run's secret, quiet logs, and rate limits far above
 * anything a suite sends (throttling has its own suite); `settings` adds the store and the rest.
 */
export function appEnv(settings: Record<string, string>): Record<string, string> {
  return {
    JWT_SECRET: process.env.JWT_SECRET as string,
    LOG_LEVEL: 'error',
    THROTTLE_IP_LIMIT: '1000000',
    THROTTLE_ACCOUNT_LIMIT: '1000000',
    THROTTLE_ACCOUNT_GLOBAL_LIMIT: '1000000',
    ...settings,
  };
}
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
export const nonEmptyLines = (text: string) =>
  stripAnsi(text)
    .split('\n')
    .filter((line) => line.trim() !== '');

/** Starts and tracks app processes; `stopAll()` kills, by the pid started, whatever is still running. */
export class AppProcesses {
  private readonly running = new Set<AppProcess>();
  private workDir: string | undefined;

  /**
   * `nodeArgs` go before the script (e.g. an `--import` preload). Without a DATABASE_URL in `env`, the instance gets
   * its deployment's database (test-database.ts); DATABASE_URL set to undefined: the embedded one, in its working
   * directory.
   */
  async start(env: Record<string, string | undefined>, nodeArgs: string[] = []): Promise<AppProcess> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests`);
    this.workDir ??= mkdtempSync(join(tmpdir(), 'revocable-jwt-app-'));
    const controlled: Record<string, string> = {};
    for (const [key, value] of Object.entries(await withDatabase(env))) {
      if (value !== undefined) controlled[key] = value;
    }
    for (const key of ['PATH', 'HOME']) {
      const value = process.env[key];
      if (value !== undefined) controlled[key] = value;
    }
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      cwd: this.workDir,
      env: controlled,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
    // 'close' comes after 'exit' and after both pipes ended, so the output is complete when it resolves.
    const closed = new Promise<Exit>((done) => child.once('close', (code, signal) => done({ code, signal })));
    const app = { child, output, closed };
    this.running.add(app);
    void closed.then(() => this.running.delete(app));
    return app;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(async (app) => {
        const { pid, exitCode, signalCode } = app.child;
        if (pid !== undefined && exitCode === null && signalCode === null) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        await app.closed;
      }),
    );
  }

  /**
   * Starts one instance per env on free loopback ports (the shared settings in `shared`), waits until each reports
   * ready (GET /health/ready 200, or fails with its output) and returns a supertest agent and the port of each.
   */
  async startReady(
    shared: Record<string, string | undefined>,
    perInstance: Record<string, string | undefined>[],
    nodeArgsPerInstance: string[][] = [],
  ): Promise<{ agents: TestAgent[]; ports: number[]; processes: AppProcess[] }> {
    const ports = await Promise.all(perInstance.map(() => freePort()));
    const processes = await Promise.all(
      perInstance.map((own, index) =>
        this.start({ HOST: '127.0.0.1', ...shared, ...own, PORT: String(ports[index]) }, nodeArgsPerInstance[index]),
      ),
    );
    const statuses = await Promise.all(processes.map((app, index) => waitForHttp(app, ports[index], '/health/ready')));
    statuses.forEach((status, index) => {
      if (status !== 200)
        throw new Error(`Instance ${index} answered /health/ready ${status}:\n${processes[index].output.stderr}`);
    });
    return { agents: ports.map((port) => supertest(`http://127.0.0.1:${port}`)), ports, processes };
  }

  /** Stops everything and removes the working directory. */
  async dispose(): Promise<void> {
    await this.stopAll();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** How the process ended, or undefined if it was still running when the bound passed. */
export async function waitForExit(app: AppProcess, boundMs = EXIT_BOUND_MS): Promise<Exit | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), boundMs)));
  try {
    return await Promise.race([app.closed, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends SIGTERM to the child (by its pid) and waits for it to exit. */
export async function stopGracefully(app: AppProcess): Promise<Exit | undefined> {
  const { pid, exitCode, signalCode } = app.child;
  if (pid !== undefined && exitCode === null && signalCode === null) process.kill(pid, 'SIGTERM');
  return waitForExit(app);
}

/** One request to 127.0.0.1 on a fresh connection that is closed afterwards; a `body` object is sent as JSON. */
export function httpCall(
  port: number,
  method: string,
  path: string,
  {
    headers = {},
    body,
    timeoutMs = 5000,
  }: {
    headers?: Record<string, string>;
    body?: unknown;
    /** an answer later than this is an error */ timeoutMs?: number;
  } = {},
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const sent: Record<string, string> = { ...headers };
  if (payload !== undefined) {
    sent['content-type'] ??= 'application/json';
    sent['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((done, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: sent, agent: false, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', fail);
    req.end(payload);
  });
}

/** Polls GET `path` until the app answers; throws (with the app's output) if it exits or the bound passes. */
export async function waitForHttp(app: AppProcess, port: number, path: string): Promise<number> {
  const started = Date.now();
  let delay = 50;
  for (;;) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(
        `The app exited before answering HTTP.\nstdout:\n${app.output.stdout}\nstderr:\n${app.output.stderr}`,
      );
    }
    try {
      return (await httpCall(port, 'GET', path)).status;
    } catch (error) {
      const waited = Date.now() - started;
      if (waited > READY_BOUND_MS) {
        throw new Error(
          `The app did not answer on port ${port} in ${waited} ms: ${String(error)}\n` +
            `stdout:\n${app.output.stdout}\nstderr:\n${app.output.stderr}`,
        );
      }
      // Wakes as soon as the app exits, so a crash is reported at once rather than after the delay.
      await Promise.race([sleep(delay), app.closed]);
      delay = Math.min(delay * 2, 250);
    }
  }
}
