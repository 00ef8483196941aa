// The POST /login phase of `npm run bench` (issue 9): what a login costs with argon2id, and whether hashing starves
// GET /me. One fresh app (mode redis, throttling effectively off) takes, in order:
// 1. POST /login alone at LOGIN_CONNECTIONS, after a warm-up: req/s, latency, app CPU per login, 429s;
// 2. GET /me alone, as in the main rounds but shorter, after a warm-up;
// 3. GET /me again while POST /login runs against the same app.
// The argon2id parameters are read from the app's source and, as a cross-check, from the hash it stored.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BenchError,
  HOST,
  fmt,
  freePort,
  processCpuSeconds,
  request,
  runLoad,
  startChild,
  stopChild,
  waitForHttp,
} from './lib.mjs';

const HASHER_SOURCE = join('src', 'auth', 'password-hasher.service.ts');
// The app hashes on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise; the app inherits the
// bench's value). Twice that many connections keep every pool thread busy with one login queued behind each, so
// logins/s is at its ceiling; more would only lengthen the queue (latency ≈ connections ÷ logins/s), and on 2 cores
// even 4 hashing threads already compete with the event loop for the CPU.
const THREADPOOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
/** What the app makes of PASSWORD_HASH_CONCURRENCY (0 or unset: one fewer than the cores, at least 1). */
const hashConcurrency = () => Number(process.env.PASSWORD_HASH_CONCURRENCY) || Math.max(1, availableParallelism() - 1);
const LOGIN_CONNECTIONS = 2 * THREADPOOL_SIZE;
// Far above anything a run reaches (the app takes any integer ≥ 1), so the phase measures hashing, not 429s.
export const NO_THROTTLE = {
  THROTTLE_IP_LIMIT: '1000000000',
  THROTTLE_ACCOUNT_LIMIT: '1000000000',
  THROTTLE_ACCOUNT_GLOBAL_LIMIT: '1000000000',
};
// The logins start this long before the concurrent GET /me load and end this long after it, so that GET /me meets a
// busy thread pool from its first request to its last.
const LEAD_SECONDS = 1;
/** Issue 18's floor: GET /me keeps this share of its req/s alone while logins run, within this p99. */
export const LOGIN_FLOOR = { meRpsRatio: 0.8, meP99Ms: 50 };
// OWASP Password Storage Cheat Sheet: argon2id with one of these (memory KiB, passes), parallelism 1; all of equal
// strength, the first being the minimum it names. "Or better": at least the memory and passes of one pair.
const OWASP_ARGON2ID = [
  [47_104, 1],
  [19_456, 2],
  [12_288, 3],
  [9_216, 4],
  [7_168, 5],
];

/**
 * @typedef {{ type: string, memoryKiB: number, timeCost: number, parallelism: number }} Argon2Params
 * @typedef {Argon2Params & { encoded: string }} StoredArgon2  and its PHC prefix, e.g. $argon2id$v=19$m=19456,p=1,t=2
 * @typedef {object} LoginPlan  the phase's durations (a profile's `login`)
 * @property {number} seconds        POST /login alone, measured
 * @property {number} warmupSeconds  each unrecorded warm-up (POST /login, then GET /me)
 * @property {number} meSeconds      GET /me alone, and GET /me with the logins
 * @typedef {import('./lib.mjs').LoadResult} LoadResult
 * @typedef {object} LoginPhase
 * @property {'PASS' | 'FAIL'} verdict  FAIL: it could not run, or a POST /login got 429 (throttling was not off)
 * @property {string} [error]
 * @property {ReturnType<typeof argon2Settings> & { stored?: StoredArgon2 }} argon2  from the source and the database
 * @property {ReturnType<typeof phaseSettings>} settings
 * @property {Measured} [measured]  absent when the phase could not run
 * @typedef {object} Measured
 * @property {{ load: LoadResult, appCpuMsPerLogin: number }} login  POST /login alone
 * @property {LoadResult} meAlone        GET /me alone, just before
 * @property {LoadResult} meWithLogin    GET /me while the logins run
 * @property {LoadResult} loginDuringMe  the logins that ran meanwhile (they span LEAD_SECONDS more on each side)
 * @property {number} status429          429s over both POST /login loads
 * @property {number} meRpsRatio         GET /me req/s with the logins / alone
 * @property {number} meP99Ratio         GET /me p99 with the logins / alone
 */

// ---- argon2id parameters -----------------------------------------------------------------------------------------

/**
 * The options object `ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, ... }` of the app's hasher.
 * @param {string} root  the project
 * @returns {Argon2Params}
 */
function argon2FromSource(root) {
  const text = readFileSync(join(root, HASHER_SOURCE), 'utf8');
  const options = /\bARGON2_OPTIONS\b[^=]*=\s*\{([^}]*)\}/.exec(text)?.[1];
  if (!options) throw new BenchError(`no ARGON2_OPTIONS = { ... } in ${HASHER_SOURCE}`);
  /** @param {string} name */
  const field = (name) => new RegExp(`\\b${name}\\s*:\\s*([\\w.]+)`).exec(options)?.[1];
  /** @param {string} name */
  const number = (name) => {
    const value = Number(field(name)?.replace(/_/g, ''));
    if (!Number.isInteger(value)) throw new BenchError(`no literal ${name} in ARGON2_OPTIONS of ${HASHER_SOURCE}`);
    return value;
  };
  return {
    type: field('type')?.split('.').pop() ?? 'not set (argon2 defaults to argon2id)',
    memoryKiB: number('memoryCost'),
    timeCost: number('timeCost'),
    parallelism: number('parallelism'),
  };
}

/**
 * The parameters of the argon2 hash the app stored for the bench account, read from the app's database once the app
 * has stopped (an embedded one serves one process at a time): what was measured, whatever the source says.
 * @param {Record<string, string>} database  the app's DATABASE_URL or DATABASE_DIR
 * @returns {Promise<StoredArgon2 | undefined>}
 */
async function argon2FromStoredHash(database) {
  // PHC format; node-argon2 writes "m=19456,p=1,t=2", so the order is not relied on.
  const phc = /\$argon2(id|i|d)\$v=\d+\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/;
  const match = phc.exec((await firstPasswordHash(database)) ?? '');
  if (!match) return undefined;
  const [encoded, type, list] = match;
  const p = Object.fromEntries(list.split(',').map((pair) => [pair[0], Number(pair.slice(2))]));
  return { type: `argon2${type}`, memoryKiB: p.m, timeCost: p.t, parallelism: p.p, encoded: encoded.slice(0, -1) };
}

/**
 * @param {Record<string, string>} database
 * @returns {Promise<string | undefined>}
 */
async function firstPasswordHash(database) {
  const query = 'select password_hash from users order by created_at limit 1';
  /** @param {{ rows: unknown[] }} result */
  const hashOf = ({ rows }) => /** @type {{ password_hash?: string } | undefined} */ (rows[0])?.password_hash;
  if (database.DATABASE_URL) {
    const client = new pg.Client({ connectionString: database.DATABASE_URL });
    await client.connect();
    try {
      return hashOf(await client.query(query));
    } finally {
      await client.end();
    }
  }
  const db = new PGlite(database.DATABASE_DIR);
  try {
    return hashOf(await db.query(query));
  } finally {
    await db.close();
  }
}

/** @param {Argon2Params} params */
const meetsOwasp = (params) =>
  params.type === 'argon2id' &&
  params.parallelism >= 1 &&
  OWASP_ARGON2ID.some(([memoryKiB, timeCost]) => params.memoryKiB >= memoryKiB && params.timeCost >= timeCost);

/**
 * The parameters from the source, or why they could not be read.
 * @param {string} root
 */
function argon2Settings(root) {
  try {
    const source = argon2FromSource(root);
    return { file: HASHER_SOURCE, source, sourceError: '', owaspMinimumOrBetter: meetsOwasp(source) };
  } catch (error) {
    const sourceError = error instanceof Error ? error.message : String(error);
    return { file: HASHER_SOURCE, source: undefined, sourceError, owaspMinimumOrBetter: undefined };
  }
}

// ---- the phase ---------------------------------------------------------------------------------------------------

/**
 * What the phase runs with, for results.json and the summary.
 * @param {LoginPlan} plan
 * @param {number} meConnections
 */
const phaseSettings = (plan, meConnections) => ({
  ...plan,
  connections: LOGIN_CONNECTIONS,
  threadpoolSize: THREADPOOL_SIZE,
  meConnections,
  leadSeconds: LEAD_SECONDS,
  appEnv: NO_THROTTLE,
});

/**
 * Registers the bench account and a second one for GET /me, whose token it returns. GET /me has its own account
 * because past SESSIONS_PER_USER logins, each login of an account pushes that account's oldest session out, which
 * revokes its tokens.
 * @param {string} base
 * @param {{ email: string, password: string }} account
 */
async function registerAccounts(base, account) {
  const meAccount = { email: `me-${account.email}`, password: account.password };
  /** @type {(step: string, res: { status: number }, want: number) => void} */
  const expect = (step, { status }, want) => {
    if (status !== want) throw new BenchError(`${step}: ${status} (want ${want})`);
  };
  expect('POST /register', await request('POST', `${base}/register`, { body: account }), 201);
  expect('POST /register (GET /me account)', await request('POST', `${base}/register`, { body: meAccount }), 201);
  expect('POST /login', await request('POST', `${base}/login`, { body: account }), 200);
  const login = await request('POST', `${base}/login`, { body: meAccount });
  expect('POST /login (GET /me account)', login, 200);
  const token = /** @type {{ access_token?: unknown } | undefined} */ (login.body)?.access_token;
  if (typeof token !== 'string') throw new BenchError('POST /login (GET /me account): no access_token');
  return token;
}

/**
 * The whole phase on one fresh app. Never throws: a failure is the phase's verdict and error.
 * @param {object} ctx
 * @param {string} ctx.root  the project, for the hasher's source
 * @param {{ script: string, env: (port: number, redisUrl: string) => NodeJS.ProcessEnv }} ctx.target  mode redis
 * @param {{ email: string, password: string }} ctx.account
 * @param {import('ioredis').Redis} ctx.redis
 * @param {string} ctx.redisUrl
 * @param {import('./lib.mjs').LoadGenerator} ctx.generator
 * @param {LoginPlan} ctx.plan
 * @param {number} ctx.meConnections  as in the main GET /me rounds
 * @param {number} ctx.ticks
 * @param {string} ctx.outDir
 * @param {(line: string) => void} ctx.log
 * @param {() => Promise<Record<string, string>>} ctx.database  a fresh database for the app
 * @returns {Promise<LoginPhase>}
 */
export async function measureLoginPhase(ctx) {
  const database = await ctx.database();
  const phase = await measureOnFreshApp(ctx, database);
  const stored = await argon2FromStoredHash(database).catch(() => undefined);
  return { ...phase, argon2: { ...phase.argon2, stored } };
}

/**
 * measureLoginPhase on one app, on `database` (its DATABASE_URL or DATABASE_DIR).
 * @param {Parameters<typeof measureLoginPhase>[0]} ctx
 * @param {Record<string, string>} database
 * @returns {Promise<LoginPhase>}
 */
async function measureOnFreshApp({ root, target, account, redis, redisUrl, generator, plan, ...ctx }, database) {
  const { meConnections, ticks, outDir, log } = ctx;
  const argon2 = argon2Settings(root);
  const settings = phaseSettings(plan, meConnections);
  log(`\n## POST /login: -c${LOGIN_CONNECTIONS} for ${plan.seconds} s, then GET /me alone and with logins`);
  const logFile = join(outDir, 'app-login.log');
  await redis.flushall();
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const env = { ...target.env(port, redisUrl), ...NO_THROTTLE, ...database };
  const app = startChild(process.execPath, [target.script], { env, cwd: outDir, logFile });
  try {
    await waitForHttp(app, `${base}/me`, logFile);
    const token = await registerAccounts(base, account);
    const pid = /** @type {number} */ (app.pid);
    const logins = { url: `${base}/login`, body: JSON.stringify(account), connections: LOGIN_CONNECTIONS };
    const me = { url: `${base}/me`, token, connections: meConnections };
    /** @param {string} name */
    const outFile = (name) => join(outDir, `load-login-${name}.txt`);

    await runLoad(generator, { ...logins, seconds: plan.warmupSeconds, outFile: outFile('warmup') });
    const cpu0 = processCpuSeconds(pid, ticks);
    const load = await runLoad(generator, { ...logins, seconds: plan.seconds, outFile: outFile('alone') });
    const login = { load, appCpuMsPerLogin: ((processCpuSeconds(pid, ticks) - cpu0) * 1000) / load.requests };
    log(`  POST /login alone          ${loadLine(load)}, app CPU ${fmt(login.appCpuMsPerLogin, 1)} ms per login`);

    await runLoad(generator, { ...me, seconds: plan.warmupSeconds, outFile: outFile('me-warmup') });
    const meAlone = await runLoad(generator, { ...me, seconds: plan.meSeconds, outFile: outFile('me-alone') });
    log(`  GET /me alone              ${loadLine(meAlone)}`);
    const [loginDuringMe, meWithLogin] = await Promise.all([
      runLoad(generator, { ...logins, seconds: plan.meSeconds + 2 * LEAD_SECONDS, outFile: outFile('during-me') }),
      sleep(LEAD_SECONDS * 1000).then(() =>
        runLoad(generator, { ...me, seconds: plan.meSeconds, outFile: outFile('me-with-login') }),
      ),
    ]);
    log(`  GET /me with POST /login   ${loadLine(meWithLogin)}`);
    log(`  POST /login meanwhile      ${loadLine(loginDuringMe)}`);

    // Unknown 429 counts (an autocannon without per-status counts) count every non-2xx as one.
    const status429 = [load, loginDuringMe].reduce((sum, l) => sum + (l.status429 ?? l.non2xx), 0);
    const ratios = { meRpsRatio: meWithLogin.rps / meAlone.rps, meP99Ratio: meWithLogin.p99Ms / meAlone.p99Ms };
    const measured = { login, meAlone, meWithLogin, loginDuringMe, status429, ...ratios };
    const argon2Measured = { ...argon2 };
    if (status429 === 0) return { verdict: 'PASS', argon2: argon2Measured, settings, measured };
    const error = `${status429} POST /login answered 429 although THROTTLE_*_LIMIT were ${NO_THROTTLE.THROTTLE_IP_LIMIT}`;
    log(`  FAIL: ${error}`);
    return { verdict: 'FAIL', error, argon2: argon2Measured, settings, measured };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  POST /login phase FAIL: ${message}`);
    return { verdict: 'FAIL', error: message, argon2, settings };
  } finally {
    await stopChild(app);
  }
}

/** @param {LoadResult} load */
const loadLine = (load) =>
  `${fmt(load.rps)} req/s, p50 ${fmt(load.p50Ms, 2)} ms, p99 ${fmt(load.p99Ms, 2)} ms, ` +
  `non-2xx ${load.non2xx}${load.status429 === undefined ? '' : ` (429: ${load.status429})`}, ` +
  `socket errors ${load.socketErrors}`;

// ---- summary -----------------------------------------------------------------------------------------------------

/** @param {Argon2Params} p */
const paramsText = (p) =>
  `${p.type}, memory ${p.memoryKiB} KiB (${fmt(p.memoryKiB / 1024, 1)} MiB), ${p.timeCost} passes, ` +
  `parallelism ${p.parallelism}`;

/**
 * The "POST /login" section of summary.md.
 * @param {LoginPhase} phase
 * @param {string} generatorName
 */
export function loginMarkdown(phase, generatorName) {
  const { argon2, settings: s, measured: m } = phase;
  const tool = generatorName === 'wrk' ? 'wrk -t1' : 'autocannon';
  const { floor, value, met } = loginFloor(phase);
  return [
    '## POST /login',
    '',
    argon2Line(argon2),
    `load: one fresh app, mode redis, with THROTTLE_IP_LIMIT and THROTTLE_ACCOUNT_LIMIT at ` +
      `${NO_THROTTLE.THROTTLE_IP_LIMIT}. ${tool} -c${s.connections} -d${s.seconds}s POST /login with the bench ` +
      `account's JSON credentials after a ${s.warmupSeconds} s warm-up (-c${s.connections}: twice libuv's thread ` +
      `pool of ${s.threadpoolSize}, which hashes: every thread busy, one login queued behind each). Then GET /me ` +
      `-c${s.meConnections} -d${s.meSeconds}s (another account) after a ${s.warmupSeconds} s warm-up, alone, then ` +
      `again while POST /login -c${s.connections} runs (from ${s.leadSeconds} s before to ${s.leadSeconds} s after).`,
    '',
    ...(m ? measuredTable(s, m) : []),
    '### Checks',
    '',
    checkLine(
      argon2.owaspMinimumOrBetter,
      argon2.source &&
        `argon2id at OWASP's minimum or better: m=${argon2.source.memoryKiB} KiB, t=${argon2.source.timeCost}, ` +
          `p=${argon2.source.parallelism} (minimum m=19456 KiB, t=2, p=1, or an equal pair such as m=47104 KiB, t=1)`,
      `argon2id parameters not read: ${argon2.sourceError}`,
    ),
    ...(m
      ? [
          `- [${m.status429 === 0 ? 'met' : 'FAIL'}] no 429 from POST /login with throttling off (enforced): ` +
            `${m.status429}`,
          checkLine(met, `${floor}: ${value}`, value),
          // A hash on the event loop would hold every GET /me queued behind it for a whole hash, lifting its tail by
          // at least that much; hashes on the thread pool only take a share of the CPU. Compared as a rise over GET
          // /me alone, because on a shared machine both tails carry the same outside noise.
          checkLine(
            m.meWithLogin.p99Ms - m.meAlone.p99Ms < m.login.appCpuMsPerLogin,
            `GET /me p99 rose by less than one login's CPU time with logins running ` +
              `(${fmt(m.meWithLogin.p99Ms - m.meAlone.p99Ms, 2)} ms against ${fmt(m.login.appCpuMsPerLogin, 1)} ms): ` +
              'no hash runs on the event loop (reported, not enforced)',
            '',
          ),
        ]
      : [`- [FAIL] not measured: ${phase.error ?? 'unknown error'}`]),
  ].join('\n');
}

/** @param {LoginPhase['argon2']} argon2 */
function argon2Line({ file, source, sourceError, stored }) {
  const fromSource = source ? `${paramsText(source)}, read from ${file}` : `not read from ${file} (${sourceError})`;
  if (!stored) return `argon2 parameters: ${fromSource}; no stored hash read from the database.`;
  const same = source && paramsText(source) === paramsText(stored);
  const note = same ? '' : " (**not the source's**: is the measured build older than src/?)";
  return `argon2 parameters: ${fromSource}; the hash the app stored: \`${stored.encoded}\`${note}.`;
}

/**
 * The floor, met (true), missed (false) or not measured (undefined), with its value.
 * @param {LoginPhase | undefined} phase
 */
export function loginFloor(phase) {
  const m = phase?.measured;
  const floor =
    `GET /me with logins running ≥ ${LOGIN_FLOOR.meRpsRatio}× its req/s alone, ` +
    `p99 ≤ ${LOGIN_FLOOR.meP99Ms} ms`;
  if (!m) return { floor, value: phase?.error ?? 'not measured', met: undefined };
  return {
    floor,
    value: `${fmt(m.meRpsRatio, 2)}×, p99 ${fmt(m.meWithLogin.p99Ms, 2)} ms`,
    met: m.meRpsRatio >= LOGIN_FLOOR.meRpsRatio && m.meWithLogin.p99Ms <= LOGIN_FLOOR.meP99Ms,
  };
}

/**
 * The table and the GET /me ratio of a measured phase.
 * @param {LoginPhase['settings']} settings
 * @param {Measured} measured
 */
function measuredTable({ connections: c, meConnections: mc, threadpoolSize }, measured) {
  const { login, meAlone, meWithLogin, loginDuringMe, meRpsRatio, meP99Ratio } = measured;
  /** @type {(name: string, load: LoadResult, cpu: string) => string} */
  const row = (name, load, cpu) =>
    `| ${name} | ${fmt(load.rps)} | ${fmt(load.p50Ms, 2)} | ${fmt(load.p99Ms, 2)} | ${cpu} | ` +
    `${load.non2xx}${load.status429 === undefined ? '' : ` (429: ${load.status429})`} / ${load.socketErrors} |`;
  return [
    '| load | req/s | p50 ms | p99 ms | app CPU ms/login | non-2xx / socket errors |',
    '|---|---|---|---|---|---|',
    row(`POST /login -c${c}, alone`, login.load, fmt(login.appCpuMsPerLogin, 1)),
    row(`GET /me -c${mc}, alone`, meAlone, '—'),
    row(`GET /me -c${mc}, with POST /login -c${c}`, meWithLogin, '—'),
    row(`POST /login -c${c}, meanwhile`, loginDuringMe, '—'),
    '',
    `GET /me with the logins running: **${fmt(meRpsRatio, 2)}× the req/s** of GET /me alone, ` +
      `**p99 ×${fmt(meP99Ratio, 1)}** (${fmt(meWithLogin.p99Ms, 2)} ms against ${fmt(meAlone.p99Ms, 2)} ms; it ` +
      `shares the cores with the hashing (${threadpoolSize} pool threads, at most PASSWORD_HASH_CONCURRENCY ` +
      `= ${hashConcurrency()} hashing at once) and both load generators). App CPU per login: ` +
      'utime+stime of the app, all threads, over the run / logins; mostly the hash.',
    '',
  ];
}

/**
 * @param {boolean | undefined} met
 * @param {string | undefined} text
 * @param {string} missing  why there is no value
 */
const checkLine = (met, text, missing) =>
  met === undefined || text === undefined ? `- [n/a] ${missing}` : `- [${met ? 'met' : 'MISS'}] ${text}`;
