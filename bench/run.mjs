#!/usr/bin/env node
// `npm run bench -- [--quick] [--anchors]`: what GET /me costs with revocation on, and what POST /login,
// POST /oauth/introspect and POST /refresh cost, on this machine.
//
// 1. Builds the app (`npm run build`) when dist/main.js is missing or older than src/; with BENCH_APP_DIST=<dir>,
//    uses that build instead and never builds.
// 2. Starts a private redis-server and, for each measured run, a fresh `node dist/main.js` (a copy of dist/ taken
//    into the results folder, so that a concurrent rebuild cannot break the run) in one mode:
//    redis (REDIS_URL set), memory (in-memory store) and off (signature only, once the app has a
//    REVOCATION_CHECK=off switch); with --anchors also bench/anchors' Fastify app (nocheck and jti-get).
// 3. Checks that revocation works, then loads GET /me with wrk (else autocannon): a warm-up, then the measured run.
//    Modes are interleaved and their order rotated each round.
// 4. Loads POST /login on a fresh app (mode redis, throttling off), then GET /me alone and beside the logins
//    (bench/login.mjs): argon2id's cost, and whether hashing starves GET /me.
// 5. Loads POST /oauth/introspect (bench/introspect.mjs: one OAuth client, HTTP Basic, a live access token) and
//    POST /refresh (bench/refresh.mjs: 11 000 sessions, each refreshed in turn), each on a fresh app (mode redis).
// 6. Measures Redis memory per revoked token through the app's own RedisRevocationStore.
// 7. Prints a Markdown table and writes bench/results/<UTC time>/ (results.json, summary.md, raw outputs, logs).
// Exits non-zero when a mode fails its check or anything else fails. The performance floors (docs/performance.md) are reported, not enforced.
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { prepareAnchors } from './anchors.mjs';
import {
  BenchError,
  HOST,
  clockTicksPerSecond,
  findLoadGenerator,
  fmt,
  freePort,
  median,
  mtimeMs,
  newestMtimeMs,
  processCpuSeconds,
  redisCommandCalls,
  redisCpuSeconds,
  request,
  runLoad,
  runToEnd,
  startChild,
  startPostgres,
  startRedis,
  createDatabase,
  stopAllChildren,
  stopChild,
  stopChildrenOnSignals,
  waitForHttp,
} from './lib.mjs';
import { MAX_RPS, writeDistinctTokens } from './distinct-tokens.mjs';
import { introspectFloor, introspectMarkdown, measureIntrospectPhase } from './introspect.mjs';
import { loginFloor, loginMarkdown, measureLoginPhase } from './login.mjs';
import { measureRefreshPhase, refreshFloor, refreshMarkdown } from './refresh.mjs';
import { measureRevocationMemory } from './memory.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The comparison app (verify only; EXISTS per jti), built into bench/anchors/dist by bench/anchors.mjs.
const ANCHORS_SOURCE = join(ROOT, 'bench', 'anchors');
// login: the POST /login phase (bench/login.mjs), about 10 s longer than the sum of its seconds (start, register);
// introspect, refresh: the POST /oauth/introspect and POST /refresh phases (bench/introspect.mjs, bench/refresh.mjs),
// a few seconds longer each (start, register; refresh also opens its 11 000 sessions).
const PROFILES = {
  full: {
    rounds: 3,
    seconds: 10,
    warmupSeconds: 3,
    // Logouts per memory measure (two entries each): the floor's 100 000 and 1 000 000 entries.
    revocations: [50_000, 500_000],
    login: { seconds: 10, warmupSeconds: 2, meSeconds: 5 },
    introspect: { seconds: 10, warmupSeconds: 2 },
    refresh: { seconds: 10, warmupSeconds: 2 },
  },
  quick: {
    rounds: 1,
    seconds: 3,
    warmupSeconds: 1,
    revocations: [50_000],
    login: { seconds: 3, warmupSeconds: 1, meSeconds: 3 },
    introspect: { seconds: 3, warmupSeconds: 1 },
    refresh: { seconds: 3, warmupSeconds: 1 },
  },
};
const CONNECTIONS = 64;
const JWT_SECRET = randomBytes(48).toString('base64'); // one per bench run, like `openssl rand -base64 48`
const ACCOUNT = { email: 'bench@example.com', password: `bench-${randomBytes(12).toString('hex')}` };
const OFF_SWITCH_MISSING = 'needs a REVOCATION_CHECK=off switch in the app';
const USAGE = `usage: npm run bench -- [--quick] [--anchors]
  --quick    1 round of 3 s per mode, 3 s each of POST /login, /oauth/introspect and /refresh, the memory
             figure at 100 000 entries (~1.5 min); default 3 rounds of 10 s, 10 s of each POST, the memory
             figure at 100 000 and 1 000 000 entries (~6 min, ~8 with --anchors)
  --anchors  also load bench/anchors' Fastify app (MODE=nocheck and jti-get, JWT_KEY=keyobject) in the same rounds
environment:
  BENCH_APP_DIST=<dir>  run this build of the app (e.g. from \`npx tsc -p tsconfig.build.json --outDir <dir>\`)
                        instead of dist/, and never build`;

const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, ''); // e.g. 20261122T215517Z
const OUT = join(ROOT, 'bench', 'results', stamp);

/** Prints a line and keeps it in <results>/run.log. */
function log(line = '') {
  console.log(line);
  if (existsSync(OUT)) appendFileSync(join(OUT, 'run.log'), `${line}\n`);
}

/**
 * @typedef {object} Target  one configuration to load
 * @property {string} id       its name in the table
 * @property {string} about    what it is, for the legend
 * @property {'app' | 'anchor'} kind
 * @property {boolean} revokes whether a logged-out token must then get 401 (else: must still get 200)
 * @property {string | undefined} [skipped] why it is not measured
 * @property {string} script   what node runs
 * @property {(port: number, redisUrl: string) => NodeJS.ProcessEnv} env  its settings
 * @property {'distinct' | 'distinct sessions'} [tokens]  'distinct': every request carries a valid token never sent
 *   before (the first request of a token); 'distinct sessions': each of a session never seen before too; otherwise
 *   all carry one token (the cached path)
 *
 * @typedef {{ step: string, got: number, want: number }} Step
 * @typedef {object} Measurement
 * @property {import('./lib.mjs').LoadResult} load
 * @property {number} appCpuUs    app CPU per request
 * @property {number} redisCpuUs  Redis CPU per request
 * @property {Record<string, number>} commandsPerRequest  Redis calls per command over the run / requests
 * @typedef {{ target: string, round: number, verdict: string, steps: Step[], error?: string, measured?: Measurement }} Run
 */

// ---- what is measured --------------------------------------------------------------------------------------------

/**
 * The project's app in its three modes; `off` is skipped until src/ has the switch.
 * @param {string} distDir  the built app
 * @returns {Target[]}
 */
function appTargets(distDir) {
  const script = join(distDir, 'main.js');
  const envValidation = readFileSync(join(ROOT, 'src', 'config', 'env.validation.ts'), 'utf8');
  const hasOffSwitch = envValidation.includes('REVOCATION_CHECK');
  /**
   * NODE_ENV=development: production refuses the in-memory store, and otherwise changes only the log format. The
   * bench's Redis keeps nothing on disk (no fsync in the figures), which the app refuses unless told it is meant.
   * @param {number} port
   * @param {Record<string, string>} settings
   */
  const env = (port, settings) => ({
    ...inheritedEnv(),
    NODE_ENV: 'development',
    HOST,
    PORT: String(port),
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    ALLOW_VOLATILE_REDIS: 'true',
    ...settings,
  });
  return [
    {
      id: 'redis',
      about: 'REDIS_URL set: revocation on, Redis store',
      kind: 'app',
      revokes: true,
      script,
      env: (port, redisUrl) => env(port, { REDIS_URL: redisUrl }),
    },
    {
      id: 'redis uncached',
      about:
        'REDIS_URL set, JWT_VERIFY_CACHE_SIZE=0: as redis, but every request verifies its signature and parses its ' +
        'claims (the first request of each token; the loads reuse one token)',
      kind: 'app',
      revokes: true,
      script,
      env: (port, redisUrl) => env(port, { REDIS_URL: redisUrl, JWT_VERIFY_CACHE_SIZE: '0' }),
    },
    {
      id: 'redis first',
      about:
        'REDIS_URL set: as redis, but every request carries a valid token never sent before (the first request ' +
        'of each token: neither the verify cache nor anything else keyed by the token helps)',
      kind: 'app',
      revokes: true,
      tokens: 'distinct',
      script,
      env: (port, redisUrl) => env(port, { REDIS_URL: redisUrl }),
    },
    {
      id: 'redis first session',
      about:
        "REDIS_URL set: as redis first, but each token is also of a session never seen before (a login's first " +
        'request: the session is not known to the revocation mirror, so its check reads Redis); reported, no floor',
      kind: 'app',
      revokes: true,
      tokens: 'distinct sessions',
      script,
      env: (port, redisUrl) => env(port, { REDIS_URL: redisUrl }),
    },
    {
      id: 'memory',
      about: 'REDIS_URL unset: revocation on, in-memory store',
      kind: 'app',
      revokes: true,
      script,
      env: (port) => env(port, {}),
    },
    {
      id: 'off',
      about: 'REDIS_URL set, REVOCATION_CHECK=off: signature only',
      kind: 'app',
      revokes: false,
      skipped: hasOffSwitch ? undefined : OFF_SWITCH_MISSING,
      script,
      env: (port, redisUrl) => env(port, { REDIS_URL: redisUrl, REVOCATION_CHECK: 'off' }),
    },
  ];
}

/**
 * Embedded databases of the apps started (each its own, empty), removed when the bench exits.
 * @type {Set<string>}
 */
const dataDirs = new Set();
process.once('exit', () => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The bench's own PostgreSQL server (startPostgres), once started; without one, each app gets an embedded one. */
let postgresUrl = /** @type {string | undefined} */ (undefined);

/**
 * A fresh, empty database for one app (no account of an earlier app is in it): a database of its own on the bench's
 * PostgreSQL server, or an embedded one in a directory of its own. The anchors keep no accounts.
 * @param {{ kind: string }} target
 * @returns {Promise<Record<string, string>>}
 */
async function databaseOf(target) {
  if (target.kind !== 'app') return {};
  if (postgresUrl) return { DATABASE_URL: await createDatabase(postgresUrl) };
  const dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-bench-db-'));
  dataDirs.add(dir);
  return { DATABASE_DIR: dir };
}

/**
 * The anchors' Fastify app with the secret as a KeyObject: the no-revocation ceiling, and the plain EXISTS recipe.
 * @param {string} script
 * @returns {Target[]}
 */
function anchorTargets(script) {
  /** @param {string} mode */
  const env = (mode) => (/** @type {number} */ port, /** @type {string} */ redisUrl) => ({
    ...inheritedEnv(),
    NODE_ENV: 'production',
    MODE: mode,
    JWT_KEY: 'keyobject',
    PLATFORM: 'fastify',
    PORT: String(port),
    REDIS_URL: redisUrl,
    JWT_SECRET,
  });
  const about = 'bench/anchors, Fastify, secret as a KeyObject:';
  return [
    {
      id: 'anchor nocheck',
      about: `${about} verify only (the no-revocation ceiling)`,
      kind: 'anchor',
      revokes: false,
      script,
      env: env('nocheck'),
    },
    {
      id: 'anchor first',
      about: `${about} verify only, every request with a token never sent before (as redis first)`,
      kind: 'anchor',
      revokes: false,
      tokens: 'distinct',
      script,
      env: env('nocheck'),
    },
    {
      id: 'anchor jti-get',
      about: `${about} verify, then EXISTS bl:<jti>`,
      kind: 'anchor',
      revokes: true,
      script,
      env: env('jti-get'),
    },
  ];
}

/** The bench's environment without any setting of the app or the anchors, so nothing exported leaks into a mode. */
function inheritedEnv() {
  const settings =
    /^(NODE_ENV|PORT|HOST|API_PREFIX|LOG_LEVEL|MODE|PLATFORM|JWT_\w+|REDIS_\w+|REVOCATION_\w+|THROTTLE_\w+)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !settings.test(name)));
}

// ---- one run -----------------------------------------------------------------------------------------------------

/**
 * The check before any load: GET /me answers 200 with a token and 401 without; a second token, once logged out,
 * gets 401 (or still 200 for a target that cannot revoke), and the first token keeps working.
 * @param {Target} target
 * @param {string} base
 */
async function checkRevocation(target, base) {
  /** @type {Step[]} */
  const steps = [];
  /** @type {(step: string, got: number, want: number) => void} */
  const expect = (step, got, want) => void steps.push({ step, got, want });
  const body = target.kind === 'app' ? ACCOUNT : undefined; // the anchors' /login takes no credentials
  const login = async () => {
    const res = await request('POST', `${base}/login`, { body });
    expect('POST /login', res.status, 200);
    const token = /** @type {{ access_token?: unknown } | undefined} */ (res.body)?.access_token;
    return typeof token === 'string' ? token : '';
  };
  const me = async (/** @type {string | undefined} */ token) => (await request('GET', `${base}/me`, { token })).status;

  if (target.kind === 'app')
    expect('POST /register', (await request('POST', `${base}/register`, { body })).status, 201);
  const token = await login();
  expect('GET /me with a token', await me(token), 200);
  expect('GET /me without a token', await me(undefined), 401);
  const other = await login();
  expect('POST /logout with a second token', (await request('POST', `${base}/logout`, { token: other })).status, 204);
  expect('GET /me with the logged-out token', await me(other), target.revokes ? 401 : 200);
  expect('GET /me with the first token, after that', await me(token), 200);

  const passed = steps.every((s) => s.got === s.want);
  return { verdict: !passed ? 'FAIL' : target.revokes ? 'PASS' : 'BASELINE', steps, token };
}

/**
 * One measured run: a fresh app on a flushed Redis, the check, an unrecorded warm-up, then the recorded load with
 * the app's and Redis' CPU and Redis' command counts around it. Any failure marks the run FAIL (not loaded).
 * @param {Target} target
 * @param {number} round
 * @param {{ redis: Redis, redisUrl: string, generator: import('./lib.mjs').LoadGenerator, profile: typeof PROFILES.full, ticks: number }} ctx
 * @returns {Promise<Run>}
 */
async function measureRun(target, round, { redis, redisUrl, generator, profile, ticks }) {
  const tag = `${target.id.replace(/\W+/g, '-')}-r${round}`;
  const label = `  [r${round}] ${target.id.padEnd(15)}`;
  const logFile = join(OUT, `app-${tag}.log`);
  await redis.flushall();
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  // cwd is the results folder, so a .env file of the project cannot reach the app.
  const env = { ...target.env(port, redisUrl), ...(await databaseOf(target)) };
  const app = startChild(process.execPath, [target.script], { env, cwd: OUT, logFile });
  /** @type {Step[]} */
  let steps = [];
  /** @type {string[]} */
  const tokenFiles = [];
  try {
    await waitForHttp(app, `${base}/me`, logFile);
    const check = await checkRevocation(target, base);
    steps = check.steps;
    const wrong = steps.filter((s) => s.got !== s.want).map((s) => `${s.step}: ${s.got} (want ${s.want})`);
    if (wrong.length > 0) {
      log(`${label} FAIL, not loaded: ${wrong.join('; ')}`);
      return { target: target.id, round, verdict: 'FAIL', steps };
    }

    const load = { url: `${base}/me`, connections: CONNECTIONS };
    /** @param {number} seconds  the token (or, for distinct tokens, the file of as many as wrk could send) */
    const tokensFor = async (seconds, name) => {
      if (target.tokens === undefined) return { token: check.token };
      const tokensFile = join(OUT, `tokens-${tag}-${name}.txt`);
      tokenFiles.push(tokensFile);
      const newSessions = target.tokens === 'distinct sessions';
      await writeDistinctTokens(check.token, JWT_SECRET, MAX_RPS * seconds, tokensFile, { newSessions });
      return { tokensFile };
    };
    const warmupTokens = await tokensFor(profile.warmupSeconds, 'warmup');
    const measuredTokens = await tokensFor(profile.seconds, 'measured');
    await runLoad(generator, {
      ...load,
      ...warmupTokens,
      seconds: profile.warmupSeconds,
      outFile: join(OUT, `load-${tag}-warmup.txt`),
    });
    await redis.config('RESETSTAT');
    const pid = /** @type {number} */ (app.pid);
    const appCpu0 = processCpuSeconds(pid, ticks);
    const redisCpu0 = await redisCpuSeconds(redis);
    const result = await runLoad(generator, {
      ...load,
      ...measuredTokens,
      seconds: profile.seconds,
      outFile: join(OUT, `load-${tag}.txt`),
    });
    const appCpu = processCpuSeconds(pid, ticks) - appCpu0;
    const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
    const measured = {
      load: result,
      appCpuUs: (appCpu * 1e6) / result.requests,
      redisCpuUs: (redisCpu * 1e6) / result.requests,
      commandsPerRequest: perRequest(await redisCommandCalls(redis), result.requests),
    };
    log(
      `${label} ${check.verdict.padEnd(8)} ${fmt(result.rps)} req/s, p50 ${fmt(result.p50Ms, 2)} ms, ` +
        `p99 ${fmt(result.p99Ms, 2)} ms, non-2xx ${result.non2xx}, socket errors ${result.socketErrors}; ` +
        `per request: app CPU ${fmt(measured.appCpuUs)} µs, Redis CPU ${fmt(measured.redisCpuUs, 1)} µs, ` +
        `Redis commands ${commandsCell(measured.commandsPerRequest)}` +
        (result.tokensReused === undefined ? '' : `; tokens sent twice ${result.tokensReused}`),
    );
    if (result.tokensReused) throw new BenchError(`${result.tokensReused} requests reused a token: raise MAX_RPS`);
    return { target: target.id, round, verdict: check.verdict, steps, measured };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${label} FAIL, not loaded: ${message}`);
    return { target: target.id, round, verdict: 'FAIL', steps, error: message };
  } finally {
    await stopChild(app);
    for (const file of tokenFiles) rmSync(file, { force: true });
  }
}

/**
 * @param {Record<string, number>} calls
 * @param {number} requests
 */
const perRequest = (calls, requests) =>
  Object.fromEntries(Object.entries(calls).map(([command, count]) => [command, count / requests]));

/**
 * "2.00 (mget 1.00, get 1.00)": commands per request, in total and by command.
 * @param {Record<string, number>} commands
 */
function commandsCell(commands) {
  const total = Object.values(commands).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(commands)
    .filter(([, n]) => n >= 0.005)
    .sort(([, a], [, b]) => b - a)
    .map(([command, n]) => `${command} ${fmt(n, 2)}`);
  return parts.length > 0 ? `${fmt(total, 2)} (${parts.join(', ')})` : fmt(total, 2);
}

// ---- summary -----------------------------------------------------------------------------------------------------

/**
 * Medians over a target's loaded runs.
 * @param {Target} target
 * @param {Run[]} runs
 */
function summarize(target, runs) {
  const mine = runs.filter((run) => run.target === target.id);
  const measured = mine.flatMap((run) => (run.measured ? [run.measured] : []));
  /** @param {(m: Measurement) => number} pick */
  const med = (pick) => median(measured.map(pick));
  const verdicts = [...new Set(mine.map((run) => run.verdict))];
  const commands = [...new Set(measured.flatMap((m) => Object.keys(m.commandsPerRequest)))];
  return {
    id: target.id,
    about: target.about,
    skipped: target.skipped,
    verdict: target.skipped ? 'SKIPPED' : verdicts.includes('FAIL') ? 'FAIL' : verdicts.join('/'),
    rps: measured.map((m) => m.load.rps),
    medianRps: med((m) => m.load.rps),
    p50Ms: med((m) => m.load.p50Ms),
    p99Ms: med((m) => m.load.p99Ms),
    appCpuUs: med((m) => m.appCpuUs),
    redisCpuUs: med((m) => m.redisCpuUs),
    commandsPerRequest: Object.fromEntries(
      commands.map((command) => [command, med((m) => m.commandsPerRequest[command] ?? 0)]),
    ),
    non2xx: measured.reduce((sum, m) => sum + m.load.non2xx, 0),
    socketErrors: measured.reduce((sum, m) => sum + m.load.socketErrors, 0),
    errors: mine.flatMap((run) => (run.error ? [`round ${run.round}: ${run.error}`] : [])),
  };
}
/** @typedef {ReturnType<typeof summarize>} Row */

/** @param {Row[]} rows */
function markdownTable(rows) {
  const offRps = rows.find((row) => row.id === 'off')?.medianRps;
  const anchorRps = rows.find((row) => row.id === 'anchor nocheck')?.medianRps;
  const header = (
    'mode|check|req/s per round|median req/s|× off|× anchor nocheck|p50 ms|p99 ms|app CPU µs/req|' +
    'Redis CPU µs/req|Redis cmds/req|non-2xx / socket errors'
  ).split('|');
  const cells = rows.map((row) =>
    row.skipped
      ? [row.id, `skipped: ${row.skipped}`, ...header.slice(2).map(() => '—')]
      : [
          row.id,
          row.verdict,
          row.rps.map((rps) => fmt(rps)).join(', ') || '—',
          fmt(row.medianRps),
          fmt(row.medianRps / (offRps ?? NaN), 2),
          fmt(row.medianRps / (anchorRps ?? NaN), 2),
          fmt(row.p50Ms, 2),
          fmt(row.p99Ms, 2),
          fmt(row.appCpuUs),
          fmt(row.redisCpuUs, 1),
          row.rps.length > 0 ? commandsCell(row.commandsPerRequest) : '—',
          row.rps.length > 0 ? `${row.non2xx} / ${row.socketErrors}` : '—',
        ],
  );
  return [header, header.map(() => '---'), ...cells].map((line) => `| ${line.join(' | ')} |`).join('\n');
}

/**
 * The performance floors (docs/performance.md), each "met" (true), missed (false) or not measurable here (undefined), with its value.
 * @param {Row[]} rows
 * @param {Awaited<ReturnType<typeof measureRevocationMemory>>[]} memories  one per measured size
 * @param {{ login?: Parameters<typeof loginFloor>[0], introspect?: Parameters<typeof introspectFloor>[0],
 *   refresh?: Parameters<typeof refreshFloor>[0] }} [phases]
 */
function floorChecks(rows, memories, phases = {}) {
  /** @param {string} id */
  const measured = (id) => rows.find((row) => row.id === id && row.rps.length > 0);
  const redis = measured('redis');
  const first = measured('redis first');
  const firstOfSession = measured('redis first session');
  /**
   * @param {Row | undefined} row
   * @param {Row | undefined} base
   */
  const ratio = (row, base) => (row && base ? row.medianRps / base.medianRps : undefined);
  /** @param {Row | undefined} row */
  // The revocation mirror's heartbeat PINGs (a few dozen a second, whatever the load) are not a request's.
  const commandsOf = (row) =>
    row &&
    Object.entries(row.commandsPerRequest)
      .filter(([command]) => command !== 'ping')
      .reduce((sum, [, n]) => sum + n, 0);
  const offMissing = rows.find((row) => row.id === 'off')?.skipped ?? 'off not measured';
  /**
   * @param {string} floor
   * @param {number | undefined} value  undefined: not measurable in this run
   * @param {(value: number) => boolean} met
   * @param {string} unit
   * @param {string} missing  why there is no value
   */
  const check = (floor, value, met, unit, missing) =>
    value === undefined
      ? { floor, value: missing, met: undefined }
      : { floor, value: `${fmt(value, 2)}${unit}`, met: met(value) };
  // 0.5 % slack: requests still in flight when wrk stops reach Redis but are not counted as requests.
  const oneCommand = (/** @type {number} */ v) => v <= 1.005;
  return [
    check(
      'cached path: redis ≥ 1.0× anchor nocheck req/s',
      ratio(redis, measured('anchor nocheck')),
      (v) => v >= 1,
      '×',
      'run with --anchors',
    ),
    check('cached path: redis ≥ 0.9× off req/s', ratio(redis, measured('off')), (v) => v >= 0.9, '×', offMissing),
    check(
      'first request: redis first ≥ 0.9× anchor first req/s',
      ratio(first, measured('anchor first')),
      (v) => v >= 0.9,
      '×',
      'run with --anchors',
    ),
    check(
      'first request of a session: redis first session ≥ 0.9× anchor first req/s',
      ratio(firstOfSession, measured('anchor first')),
      (v) => v >= 0.9,
      '×',
      'run with --anchors',
    ),
    check('cached path: redis p99 ≤ 10 ms at -c64', redis?.p99Ms, (v) => v <= 10, ' ms', 'redis not measured'),
    check('first request: redis first p99 ≤ 10 ms at -c64', first?.p99Ms, (v) => v <= 10, ' ms', 'not measured'),
    check('≤ 1 store command per request (redis)', commandsOf(redis), oneCommand, '', 'redis not measured'),
    check('≤ 1 store command per request (redis first)', commandsOf(first), oneCommand, '', 'not measured'),
    check(
      '≤ 1 store command per request (redis first session)',
      commandsOf(firstOfSession),
      oneCommand,
      '',
      'not measured',
    ),
    ...(memories.length > 0 ? memories : [undefined]).map((memory) =>
      check(
        `≤ 120 B of Redis memory per revocation entry${memory ? ` at ${fmt(memory.entries)} entries` : ''}`,
        memory?.bytesPerEntry,
        (v) => v <= 120,
        ' B',
        'not measured',
      ),
    ),
    loginFloor(phases.login),
    introspectFloor(phases.introspect),
    refreshFloor(phases.refresh),
  ];
}

/** @param {Awaited<ReturnType<typeof measureRevocationMemory>>} memory */
function memoryLine(memory) {
  return (
    `Redis memory per revocation: **${fmt(memory.bytesPerLogout, 1)} B per logout**, ` +
    `**${fmt(memory.bytesPerEntry, 1)} B per entry** (${memory.logouts} logouts through the built ` +
    `RedisSessionStore.end (a logout), ${memory.entries} entries: one jti and one sid each; ` +
    `used_memory +${memory.usedMemoryAfter - memory.usedMemoryBefore} B). MEMORY USAGE of one key: ` +
    `jti ${memory.jtiKey.memoryUsage} B (${memory.jtiKey.length}-char key), sid ${memory.sidKey.memoryUsage} B ` +
    `(${memory.sidKey.length}-char key), e.g. \`${memory.jtiKey.example}\`.`
  );
}

// ---- main --------------------------------------------------------------------------------------------------------

/**
 * Builds the app when dist/ is stale, then runs a copy of dist/ taken into the results folder: other people's
 * `npm test` rebuild dist/ (nest build deletes it first), which must not pull the files from under a running bench.
 * With BENCH_APP_DIST set, copies that build instead, as it is.
 * @returns {Promise<string>} the copy's folder
 */
async function buildAndSnapshotDist() {
  if (process.env.BENCH_APP_DIST) return snapshotGivenBuild(resolve(process.env.BENCH_APP_DIST));
  const dist = join(ROOT, 'dist');
  if (mtimeMs(join(dist, 'main.js')) >= newestMtimeMs(join(ROOT, 'src'))) {
    log('build: dist/ is up to date');
  } else {
    log('build: npm run build (dist/main.js is missing or older than src/)');
    const started = Date.now();
    await runToEnd('npm', ['run', 'build'], { cwd: ROOT, logFile: join(OUT, 'build.log') });
    log(`build: done in ${fmt((Date.now() - started) / 1000, 1)} s`);
  }
  const expected = expectedBuildFiles();
  const snapshot = join(OUT, 'dist');
  /** @param {string} dir */
  const complete = (dir) => expected.every((file) => existsSync(join(dir, file)));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
    if (!complete(dist)) continue; // another build is writing it
    try {
      cpSync(dist, snapshot, { recursive: true, filter: (file) => !file.endsWith('.map') });
    } catch {
      continue; // another build deleted it while we copied
    }
    if (complete(snapshot)) return snapshot;
  }
  throw new BenchError('dist/ stayed incomplete for 60 s: is another build failing? Try `npm run build`.');
}

/**
 * BENCH_APP_DIST: a build made for the bench, e.g. `npx tsc -p tsconfig.build.json --outDir /tmp/dist-bench`, where
 * `npm run build` would wipe dist/ under the people sharing the checkout. Nobody else writes it, so it is copied
 * once, and files that src/ gained since are reported rather than waited for.
 * @param {string} dist
 */
function snapshotGivenBuild(dist) {
  if (!existsSync(join(dist, 'main.js'))) throw new BenchError(`BENCH_APP_DIST=${dist} holds no main.js`);
  const stale = mtimeMs(join(dist, 'main.js')) < newestMtimeMs(join(ROOT, 'src')) ? ', older than src/' : '';
  log(`build: BENCH_APP_DIST=${dist}, used as it is${stale}`);
  const snapshot = join(OUT, 'dist');
  cpSync(dist, snapshot, { recursive: true, filter: (file) => !file.endsWith('.map') });
  const missing = expectedBuildFiles().filter((file) => !existsSync(join(snapshot, file)));
  if (missing.length > 0) log(`build: note: no ${missing.join(', ')} in BENCH_APP_DIST (newer files in src/?)`);
  return snapshot;
}

/** What tsconfig.build.json emits: every .ts under src/ but specs and testing/ helpers, as .js. */
function expectedBuildFiles() {
  return readdirSync(join(ROOT, 'src'), { recursive: true })
    .map(String)
    .filter((file) => /(?<!\.spec|\.d)\.ts$/.test(file) && !file.split(sep).includes('testing'))
    .map((file) => file.replace(/\.ts$/, '.js'));
}

/**
 * Round `round`'s order: the list rotated so that each target starts a round in turn.
 * @template T
 * @param {T[]} list
 * @param {number} round
 * @param {number} rounds
 */
function rotated(list, round, rounds) {
  const shift = Math.round(((round - 1) * list.length) / rounds);
  return list.map((_, i) => list[(i + shift) % list.length]);
}

function parseOptions() {
  try {
    const flags = { quick: { type: 'boolean' }, anchors: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
    return parseArgs({ options: /** @type {const} */ (flags) }).values;
  } catch (error) {
    throw new BenchError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

/**
 * Every target in every round, the order rotated each round.
 * @param {Target[]} targets
 * @param {Parameters<typeof measureRun>[2]} ctx
 */
async function runRounds(targets, ctx) {
  /** @type {Run[]} */
  const runs = [];
  const { rounds } = ctx.profile;
  for (let round = 1; round <= rounds; round++) {
    const order = rotated(targets, round, rounds);
    log(`\n## round ${round}/${rounds}: ${order.map((target) => target.id).join(', ')}`);
    for (const target of order) {
      runs.push(await measureRun(target, round, ctx));
      await sleep(500); // let the previous app's sockets close
    }
  }
  return runs;
}

/**
 * The memory figure at each size (a flushed Redis each time), or why there is none.
 * @param {string} distDir
 * @param {string} redisUrl
 * @param {number[]} counts  logouts per measure
 */
async function measureMemory(distDir, redisUrl, counts) {
  /** @type {Awaited<ReturnType<typeof measureRevocationMemory>>[]} */
  const memories = [];
  for (const count of counts) {
    log(`\n## memory: ${count} logouts through the app's RedisRevocationStore`);
    try {
      const memory = await measureRevocationMemory({ distDir, redisUrl, count });
      log(`${fmt(memory.bytesPerLogout, 1)} B per logout, ${fmt(memory.bytesPerEntry, 1)} B per entry`);
      memories.push(memory);
    } catch (error) {
      const memoryError = error instanceof Error ? error.message : String(error);
      log(`memory: FAILED: ${memoryError}`);
      return { memories, memoryError };
    }
  }
  return { memories, memoryError: '' };
}

/**
 * The report: table, legend, memory figure and performance floors, then the POST /login, POST /oauth/introspect and
 * POST /refresh sections.
 * @param {{ header: string[], targets: Target[], rows: Row[], floors: ReturnType<typeof floorChecks>,
 *   memories: Awaited<ReturnType<typeof measureRevocationMemory>>[], memoryError: string,
 *   login: string, introspect: string, refresh: string }} parts
 */
function summaryMarkdown({ header, targets, rows, floors, memories, memoryError, login, introspect, refresh }) {
  const mark = (/** @type {boolean | undefined} */ met) => (met === undefined ? 'n/a' : met ? 'met' : 'MISS');
  return [
    ...header,
    '',
    markdownTable(rows),
    '',
    ...targets.map((t) => `- **${t.id}**: ${t.about}${t.skipped ? ` (skipped: ${t.skipped})` : ''}`),
    '- check: PASS = /me 200 with a token and 401 without, a second token 401 once logged out, the first still 200;',
    '  BASELINE = the same, except that the logged-out token still gets 200 (cannot revoke by design); FAIL = not loaded.',
    "- × off, × anchor nocheck: median req/s over that row's median req/s, in this run.",
    '- app CPU: utime+stime of the app process over the run / requests. Redis CPU: INFO cpu used_cpu_sys+user / requests.',
    "  Redis cmds/req: INFO commandstats calls (after CONFIG RESETSTAT; the bench's INFO and CONFIG left out) / requests:",
    '  every command the app sent while serving GET /me, not only the revocation check.',
    '',
    ...memories.map(memoryLine),
    ...(memoryError ? [`Redis memory per revocation: not measured (${memoryError})`] : []),
    '',
    '### Performance floors (reported, not enforced)',
    '',
    ...floors.map(({ floor, value, met }) => `- [${mark(met)}] ${floor}: ${value}`),
    ...rows.flatMap((row) => row.errors.map((error) => `- ${row.id} failed in ${error}`)),
    '',
    login,
    '',
    introspect,
    '',
    refresh,
  ].join('\n');
}

async function main() {
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const profile = options.quick ? PROFILES.quick : PROFILES.full;
  const generator = findLoadGenerator(ROOT);
  if (!generator) throw new BenchError('neither wrk nor autocannon found: apt-get install wrk');

  mkdirSync(OUT, { recursive: true });
  stopChildrenOnSignals(log);
  const flags = `${options.quick ? ' --quick' : ''}${options.anchors ? ' --anchors' : ''}`;
  log(`# npm run bench${flags}: ${new Date().toISOString()}, results in ${relative(ROOT, OUT)}/`);
  const appDist = await buildAndSnapshotDist();
  const anchorsBuild = { sourceDir: ANCHORS_SOURCE, rootDir: ROOT, logFile: join(OUT, 'anchors.log'), log };
  const anchorScript = options.anchors ? await prepareAnchors(anchorsBuild) : undefined;
  const targets = [...appTargets(appDist), ...(anchorScript ? anchorTargets(anchorScript) : [])];

  const redisServer = await startRedis(join(OUT, 'redis.log'));
  const postgresServer = await startPostgres(join(OUT, 'postgres.log'));
  postgresUrl = postgresServer?.url;
  if (postgresServer) dataDirs.add(postgresServer.dir);
  log(
    postgresServer
      ? `database: ${postgresServer.version}, a fresh database per app (as in production)`
      : 'database: no PostgreSQL server installed: embedded (PGlite) in each app, which costs it CPU and memory',
  );
  const machine = {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    redis: `${basename(redisServer.bin)} ${/v=(\S+)/.exec(redisServer.version)?.[1] ?? redisServer.version}`,
    loadGenerator: generator.version.replace(/\s+Copyright.*/, ''),
  };
  const header = [
    `## GET /me, medians of ${profile.rounds} round(s)`,
    '',
    `machine: ${machine.nproc} CPUs (${machine.cpuModel}), load average ${machine.loadavgAtStart.join(' ')} at start; ` +
      `node ${machine.node}; ${machine.redis}; ${machine.loadGenerator}`,
    `load: ${generator.name === 'wrk' ? 'wrk -t1' : 'autocannon'} -c${CONNECTIONS} -d${profile.seconds}s --timeout 10s ` +
      `on GET /me after a ${profile.warmupSeconds} s unrecorded warm-up; ${profile.rounds} round(s), order rotated ` +
      `each round; a fresh app and a flushed Redis for every run`,
  ];
  header.slice(2).forEach((line) => log(line));
  if (generator.name === 'autocannon')
    log('note: autocannon runs in node and uses far more CPU than wrk: compare ratios');

  const redis = new Redis(redisServer.url);
  const ctx = { redis, redisUrl: redisServer.url, generator, profile, ticks: clockTicksPerSecond() };
  const measuredTargets = targets.filter((target) => !target.skipped);
  let runs, login, introspect, refresh, memoryError;
  /** @type {Awaited<ReturnType<typeof measureRevocationMemory>>[]} */
  let memories = [];
  try {
    runs = await runRounds(measuredTargets, ctx);
    login = await measureLoginPhase({
      ...ctx,
      root: ROOT,
      target: /** @type {Target} */ (targets.find((target) => target.id === 'redis')),
      account: ACCOUNT,
      plan: profile.login,
      meConnections: CONNECTIONS,
      outDir: OUT,
      log,
      database: () => databaseOf({ kind: 'app' }),
    });
    const redisTarget = /** @type {Target} */ (targets.find((target) => target.id === 'redis'));
    const phaseCtx = { ...ctx, account: ACCOUNT, outDir: OUT, log, database: () => databaseOf({ kind: 'app' }) };
    introspect = await measureIntrospectPhase({ ...phaseCtx, target: redisTarget, plan: profile.introspect });
    refresh = await measureRefreshPhase({
      ...phaseCtx,
      distDir: appDist,
      target: redisTarget,
      plan: profile.refresh,
    });
    ({ memories, memoryError } = await measureMemory(appDist, redisServer.url, profile.revocations));
  } finally {
    redis.disconnect();
    await stopChild(redisServer.child);
    if (postgresServer) await stopChild(postgresServer.child);
  }

  const rows = targets.map((target) => summarize(target, runs));
  const floors = floorChecks(rows, memories, { login, introspect, refresh });
  const summary = summaryMarkdown({
    header,
    targets,
    rows,
    floors,
    memories,
    memoryError,
    login: loginMarkdown(login, generator.name),
    introspect: introspectMarkdown(introspect, generator.name),
    refresh: refreshMarkdown(refresh, generator.name),
  });
  log(`\n${summary}\n`);
  writeFileSync(join(OUT, 'summary.md'), `${summary}\n`);
  const settings = { ...profile, connections: CONNECTIONS, loadGenerator: generator.name, anchors: !!anchorScript };
  const results = {
    startedAt: stamp,
    args: process.argv.slice(2),
    machine,
    settings,
    summary: rows,
    floors,
    memories,
    login,
    introspect,
    refresh,
    runs,
  };
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${relative(ROOT, OUT)}/results.json and summary.md`);

  const failed = rows.filter((row) => row.verdict === 'FAIL').map((row) => row.id);
  if (login.verdict === 'FAIL') failed.push('POST /login');
  if (introspect.verdict === 'FAIL') failed.push('POST /oauth/introspect');
  if (refresh.verdict === 'FAIL') failed.push('POST /refresh');
  if (failed.length > 0)
    log(`FAILED: ${failed.join(', ')} (see the lines above and the app logs in ${relative(ROOT, OUT)}/)`);
  return failed.length > 0 || memoryError ? 1 : 0;
}

main()
  .then(
    (code) => (process.exitCode = code),
    (error) => {
      log(
        error instanceof BenchError
          ? `bench failed: ${error.message}`
          : `bench failed: ${String(error instanceof Error ? error.stack : error)}`,
      );
      process.exitCode = 1;
    },
  )
  .finally(() => stopAllChildren().finally(() => process.exit()));
