import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  AppProcesses,
  EXIT_BOUND_MS,
  READY_BOUND_MS,
  nonEmptyLines,
  sleep,
  waitForExit,
  waitForHttp,
  type AppProcess as Run,
  type Exit,
} from './support/app-process.js';
import { freePort, testRedisUrl } from './support/redis-server.js';

// Hex never spells the placeholder words the app refuses (change, secret, default, ...).
const GOOD_SECRET = randomBytes(32).toString('hex');

const apps = new AppProcesses();
const start = (env: Record<string, string | undefined>) => apps.start(env);
const killAll = () => apps.stopAll();

/** Connections the test Redis currently lists under `name`. */
async function clientsNamed(redis: Redis, name: string): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => line.split(' ').includes(`name=${name}`)).length;
}

afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await apps.dispose();
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
    problem: 'JWT_SECRET is the alphabet and digits (32 characters, about 20 bits)',
    env: { JWT_SECRET: 'abcdefghijklmnopqrstuvwxyz012345' },
    variable: 'JWT_SECRET holds about 19 bits of entropy, under the 256 it needs',
  },
  {
    problem: 'JWT_SECRET is a 128-bit hex key',
    env: { JWT_SECRET: randomBytes(16).toString('hex') },
    variable: 'openssl rand -base64 32',
  },
  {
    problem: 'NODE_ENV=production would serve /metrics without METRICS_TOKEN',
    env: {
      NODE_ENV: 'production',
      JWT_SECRET: GOOD_SECRET,
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgres://user:password@127.0.0.1:1/db',
    },
    variable: 'METRICS_TOKEN must be set when NODE_ENV=production',
  },
  {
    problem: 'NODE_ENV=production has no REDIS_URL',
    env: { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET },
    variable: 'REDIS_URL',
  },
  // Either would be echoed with credentials allowed: any page could call the API as the signed-in user.
  { problem: 'CORS_ORIGINS is *', env: { JWT_SECRET: GOOD_SECRET, CORS_ORIGINS: '*' }, variable: 'CORS_ORIGINS' },
  { problem: 'CORS_ORIGINS is null', env: { JWT_SECRET: GOOD_SECRET, CORS_ORIGINS: 'null' }, variable: 'CORS_ORIGINS' },
  {
    problem: 'CORS_ORIGINS holds a URL with a path',
    env: { JWT_SECRET: GOOD_SECRET, CORS_ORIGINS: 'https://app.example.com/app' },
    variable: 'CORS_ORIGINS',
  },
])('refusing to start when $problem', ({ env, variable }) => {
  let run: Run;
  let exit: Exit | undefined;

  beforeAll(async () => {
    run = await start({ ...env, PORT: String(await freePort()) });
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

      const run = await start({
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
      const run = await start({ JWT_SECRET: GOOD_SECRET, PORT: String(port), HOST: '127.0.0.1' });
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
