import { randomBytes } from 'node:crypto';
import {
  AppProcesses,
  EXIT_BOUND_MS,
  READY_BOUND_MS,
  httpCall,
  nonEmptyLines,
  sleep,
  stopGracefully,
  waitForExit,
  waitForHttp,
  type Exit,
  type AppProcess as Run,
} from './support/app-process.js';
import { PrivateRedis, usePrivateRedis } from './support/private-redis.js';
import { freePort } from './support/redis-server.js';

/**
 * The built app (`node dist/main.js`) against a private redis-server per case, started with the maxmemory-policy
 * under test: an evicting Redis silently un-revokes tokens, so the app must refuse it at start.
 */
const GOOD_SECRET = randomBytes(32).toString('hex');
const apps = new AppProcesses();
const withPolicy = (policy: string) => ['--maxmemory-policy', policy];

function startApp(redisUrl: string, port: number, env: Record<string, string> = {}): Promise<Run> {
  return apps.start({ JWT_SECRET: GOOD_SECRET, REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', ...env });
}

/** Polls until the app's output (stdout and stderr) has a line matching `pattern`, for at most `boundMs`. */
async function waitForOutput(run: Run, pattern: RegExp, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (!pattern.test(`${run.output.stdout}\n${run.output.stderr}`)) {
    if (Date.now() > deadline || run.child.exitCode !== null || run.child.signalCode !== null) return false;
    await sleep(100);
  }
  return true;
}

afterEach(async () => {
  await apps.stopAll();
});

afterAll(async () => {
  await apps.dispose();
});

describe.each<{ policy: string; env: Record<string, string>; mentions: string[] }>([
  { policy: 'allkeys-lru', env: {}, mentions: ['noeviction'] },
  { policy: 'allkeys-lru', env: { ALLOW_EVICTING_REDIS: 'true' }, mentions: ['noeviction'] },
  { policy: 'allkeys-random', env: {}, mentions: ['noeviction'] },
  { policy: 'volatile-lru', env: {}, mentions: ['noeviction', 'ALLOW_EVICTING_REDIS=true'] },
])('refusing to start on a Redis with maxmemory-policy $policy (env $env)', ({ policy, env, mentions }) => {
  const redis = usePrivateRedis(withPolicy(policy));
  let run: Run;
  let exit: Exit | undefined;

  beforeAll(async () => {
    run = await startApp(redis.url, await freePort(), env);
    exit = await waitForExit(run, READY_BOUND_MS);
  }, READY_BOUND_MS + 5000);

  it('exits with code 1', () => {
    expect(exit).toEqual({ code: 1, signal: null });
  });

  it(`prints exactly one non-empty line on stderr, naming maxmemory-policy "${policy}" and ${mentions.join(' and ')}`, () => {
    const lines = nonEmptyLines(run.output.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`maxmemory-policy is "${policy}"`);
    for (const mention of mentions) expect(lines[0]).toContain(mention);
  });
});

describe('starting on a Redis with maxmemory-policy volatile-lru and ALLOW_EVICTING_REDIS=true', () => {
  const redis = usePrivateRedis(withPolicy('volatile-lru'));
  let live: number;
  let warnings: string[];
  let exit: Exit | undefined;

  beforeAll(
    async () => {
      const port = await freePort();
      const run = await startApp(redis.url, port, { ALLOW_EVICTING_REDIS: 'true' });
      live = await waitForHttp(run, port, '/health/live');
      exit = await stopGracefully(run);
      warnings = nonEmptyLines(`${run.output.stdout}\n${run.output.stderr}`).filter((line) =>
        line.includes('maxmemory-policy'),
      );
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  it('starts and answers GET /health/live with 200', () => {
    expect(live).toBe(200);
  });

  it('logs one WARN line naming maxmemory-policy "volatile-lru" and the override', () => {
    expect(warnings).toEqual([expect.stringMatching(/\bWARN\b.*maxmemory-policy is "volatile-lru".*ALLOW_EVICTING/)]);
  });

  it('exits 0 on SIGTERM', () => {
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

describe('starting on a Redis with maxmemory-policy noeviction', () => {
  const redis = usePrivateRedis(withPolicy('noeviction'));
  let live: number;
  let ready: number;
  let mentions: string[];
  let exit: Exit | undefined;

  beforeAll(
    async () => {
      const port = await freePort();
      const run = await startApp(redis.url, port);
      live = await waitForHttp(run, port, '/health/live');
      ready = (await httpCall(port, 'GET', '/health/ready')).status;
      exit = await stopGracefully(run);
      mentions = nonEmptyLines(`${run.output.stdout}\n${run.output.stderr}`).filter((line) =>
        line.includes('maxmemory-policy'),
      );
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  it('starts and answers GET /health/live and GET /health/ready with 200', () => {
    expect({ live, ready }).toEqual({ live: 200, ready: 200 });
  });

  it('logs nothing about maxmemory-policy', () => {
    expect(mentions).toEqual([]);
  });

  it('exits 0 on SIGTERM', () => {
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

describe('a Redis unreachable at boot that comes up later with maxmemory-policy allkeys-lru', () => {
  // Started by the test, on the port the app already looks at.
  const redis = new PrivateRedis(withPolicy('allkeys-lru'));
  let live: number;
  let judged: boolean;
  let exit: Exit | undefined;
  let run: Run;

  beforeAll(
    async () => {
      const redisPort = await freePort();
      const port = await freePort();
      run = await startApp(`redis://127.0.0.1:${redisPort}`, port);
      // The app listens once its 5 s wait for a first connection has given up.
      live = await waitForHttp(run, port, '/health/live');
      await redis.start(redisPort);
      judged = await waitForOutput(run, /maxmemory-policy is "allkeys-lru"/, 15_000);
      exit = await waitForExit(run, 5000);
    },
    READY_BOUND_MS + 15_000 + 5000 + 5000,
  );

  afterAll(async () => {
    await apps.stopAll();
    await redis.dispose();
  });

  it('serves GET /health/live while Redis is down, and judges the policy once Redis is up', () => {
    expect({ live, judged }).toEqual({ live: 200, judged: true });
  });

  it('then exits with code 1 instead of carrying on with an evicting Redis', () => {
    expect(exit).toEqual({ code: 1, signal: null });
  });
});
