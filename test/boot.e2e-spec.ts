import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './support/redis-server.js';

/**
 * The built app (`node dist/main.js`) as an operator runs it: a child process with a controlled environment,
 * started in an empty temporary directory so that no `.env` is picked up.
 */
const MAIN = resolve(__dirname, '..', 'dist', 'main.js');
const EXIT_BOUND_MS = 10_000;
const READY_BOUND_MS = 15_000;
// Hex never spells the placeholder words the app refuses (change, secret, default, ...).
const GOOD_SECRET = randomBytes(32).toString('hex');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Run {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  closed: Promise<Exit>;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
const nonEmptyLines = (text: string) =>
  stripAnsi(text)
    .split('\n')
    .filter((line) => line.trim() !== '');

let workDir: string;
const running = new Set<Run>();

function start(env: Record<string, string>): Run {
  const controlled: Record<string, string> = { ...env };
  for (const key of ['PATH', 'HOME']) {
    const value = process.env[key];
    if (value !== undefined) controlled[key] = value;
  }
  const child = spawn(process.execPath, [MAIN], { cwd: workDir, env: controlled, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  // 'close' comes after 'exit' and after both pipes ended, so the output is complete when it resolves.
  const closed = new Promise<Exit>((done) => child.once('close', (code, signal) => done({ code, signal })));
  const run = { child, output, closed };
  running.add(run);
  void closed.then(() => running.delete(run));
  return run;
}

/** How the process ended, or undefined if it was still running when the bound passed. */
async function waitForExit(run: Run, boundMs = EXIT_BOUND_MS): Promise<Exit | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), boundMs)));
  try {
    return await Promise.race([run.closed, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills, by the pid we started, every child still running, and waits for it to be gone. */
async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (run) => {
      const { pid, exitCode, signalCode } = run.child;
      if (pid !== undefined && exitCode === null && signalCode === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await run.closed;
    }),
  );
}

/** The status of one GET on 127.0.0.1, on a fresh connection that is closed afterwards. */
function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.once('end', () => done(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', fail);
    req.end();
  });
}

/** Polls GET `path` until the app answers; throws (with the app's output) if it exits or the bound passes. */
async function waitForHttp(run: Run, port: number, path: string): Promise<number> {
  const deadline = Date.now() + READY_BOUND_MS;
  for (;;) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(
        `The app exited before answering HTTP.\nstdout:\n${run.output.stdout}\nstderr:\n${run.output.stderr}`,
      );
    }
    try {
      return await httpStatus(port, path);
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`The app did not answer on port ${port}: ${String(error)}\nstderr:\n${run.output.stderr}`);
      }
      await sleep(100);
    }
  }
}

/** Connections the test Redis currently lists under `name`. */
async function clientsNamed(redis: Redis, name: string): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => line.split(' ').includes(`name=${name}`)).length;
}

function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
  return url;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests`);
  workDir = mkdtempSync(join(tmpdir(), 'revocable-jwt-boot-'));
});

afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await killAll();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.each<{ problem: string; env: Record<string, string>; variable: string }>([
  { problem: 'JWT_SECRET is missing', env: {}, variable: 'JWT_SECRET' },
  { problem: 'JWT_SECRET has 10 characters', env: { JWT_SECRET: 'k7Qp2xZr9B' }, variable: 'JWT_SECRET' },
  {
    problem: 'JWT_SECRET is a placeholder',
    env: { JWT_SECRET: 'change-me-change-me-change-me-change-me-123' },
    variable: 'JWT_SECRET',
  },
  {
    problem: 'NODE_ENV=production has no REDIS_URL',
    env: { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET },
    variable: 'REDIS_URL',
  },
])('refusing to start when $problem', ({ env, variable }) => {
  let run: Run;
  let exit: Exit | undefined;

  beforeAll(async () => {
    run = start({ ...env, PORT: String(await freePort()) });
    exit = await waitForExit(run);
  });

  it('exits with code 1 within a few seconds', () => {
    expect(exit).toEqual({ code: 1, signal: null });
  });

  it('prints nothing on stdout', () => {
    expect(run.output.stdout).toBe('');
  });

  it(`prints exactly one non-empty line on stderr, naming ${variable}`, () => {
    expect(nonEmptyLines(run.output.stderr)).toEqual([expect.stringContaining(variable)]);
  });
});

describe('starting with a good JWT_SECRET and REDIS_URL pointing at the test Redis', () => {
  // A connection name in the URL (ioredis reads it from the query) tells this child's connections apart from
  // those of the other test files sharing the test Redis.
  const connectionName = `boot-${randomUUID().slice(0, 8)}`;
  let inspector: Redis;
  let meStatus: number;
  let clientsBeforeStart: number;
  let clientsWhileRunning: number;
  let exit: Exit | undefined;
  let clientsAfterExit: number;

  beforeAll(
    async () => {
      inspector = new Redis(testRedisUrl());
      const redisUrl = new URL(testRedisUrl());
      redisUrl.searchParams.set('connectionName', connectionName);
      const port = await freePort();
      clientsBeforeStart = await clientsNamed(inspector, connectionName);

      const run = start({
        JWT_SECRET: GOOD_SECRET,
        REDIS_URL: redisUrl.toString(),
        PORT: String(port),
        HOST: '127.0.0.1',
      });
      meStatus = await waitForHttp(run, port, '/me');
      clientsWhileRunning = await clientsNamed(inspector, connectionName);

      run.child.kill('SIGTERM');
      exit = await waitForExit(run);

      // The server notices a closed connection within milliseconds; give it a bounded moment.
      const deadline = Date.now() + 2000;
      while ((clientsAfterExit = await clientsNamed(inspector, connectionName)) > 0 && Date.now() < deadline)
        await sleep(50);
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  afterAll(async () => {
    await inspector?.quit();
  });

  it('starts and answers GET /me without a token with 401 on its port', () => {
    expect(meStatus).toBe(401);
  });

  it('exits with code 0 within a few seconds of SIGTERM (graceful shutdown)', () => {
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('leaves no connection on the test Redis once it has exited', () => {
    expect(clientsBeforeStart).toBe(0);
    expect(clientsWhileRunning).toBeGreaterThanOrEqual(1);
    expect(clientsAfterExit).toBe(0);
  });
});

describe('starting with a good JWT_SECRET and no REDIS_URL', () => {
  let meStatus: number;
  let lines: string[];

  beforeAll(
    async () => {
      const port = await freePort();
      const run = start({ JWT_SECRET: GOOD_SECRET, PORT: String(port), HOST: '127.0.0.1' });
      meStatus = await waitForHttp(run, port, '/me');
      run.child.kill('SIGTERM');
      if ((await waitForExit(run)) === undefined) await killAll();
      // Read once the process is gone, so the output is complete.
      lines = nonEmptyLines(`${run.output.stdout}\n${run.output.stderr}`);
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  it('starts on the in-memory store and answers GET /me with 401', () => {
    expect(meStatus).toBe(401);
  });

  it('logs a warning line that it uses the in-memory store', () => {
    expect(lines.filter((line) => /\bWARN\b/.test(line) && line.includes('in-memory store'))).toHaveLength(1);
  });
});
