// The POST /oauth/introspect phase of `npm run bench`: what an RFC 7662 introspection of a live access token costs.
// One fresh app (mode redis, plus one OAuth client of its own) with one account logged in; wrk then POSTs that
// access token as an application/x-www-form-urlencoded body (RFC 7662 §2.1) with the client's HTTP Basic
// credentials, and every 2xx answer must say `"active":true`.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  BenchError,
  HOST,
  fmt,
  freePort,
  processCpuSeconds,
  redisCommandCalls,
  redisCpuSeconds,
  request,
  runLoad,
  startChild,
  stopChild,
  waitForHttp,
} from './lib.mjs';

const CONNECTIONS = 64;
const CLIENT_ID = 'bench-client';
// Ory Hydra's published figure for token introspection on 2 CPUs; the floor is twice it, rounded up.
const HYDRA_RPS = 7934;
export const INTROSPECT_FLOOR = { rps: 16_000, p99Ms: 10 };
const ACTIVE = '"active":true';

/**
 * @typedef {object} IntrospectPlan  the phase's durations (a profile's `introspect`)
 * @property {number} seconds        measured
 * @property {number} warmupSeconds  unrecorded, before
 * @typedef {import('./lib.mjs').LoadResult} LoadResult
 * @typedef {object} IntrospectMeasured
 * @property {LoadResult} load
 * @property {number} appCpuUs    app CPU per introspection
 * @property {number} redisCpuUs  Redis CPU per introspection
 * @property {Record<string, number>} commandsPerRequest  Redis calls per command / introspections
 * @typedef {object} IntrospectPhase
 * @property {'PASS' | 'FAIL'} verdict  FAIL: it could not run, or an answer was not a 2xx `"active":true`
 * @property {string} [error]
 * @property {{ connections: number, clientId: string, body: string, floor: typeof INTROSPECT_FLOOR } & IntrospectPlan}
 *   settings
 * @property {IntrospectMeasured} [measured]
 */

/**
 * HTTP Basic credentials of an RFC 6749 §2.3.1 client: id and secret form-url-encoded, then base64.
 * @param {string} id
 * @param {string} secret
 */
export const basicAuthorization = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * One POST /oauth/introspect by hand, as wrk sends it.
 * @param {string} base
 * @param {string} authorization
 * @param {string} body  form-encoded
 */
async function introspectOnce(base, authorization, body) {
  const res = await fetch(`${base}/oauth/introspect`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

/**
 * The whole phase on one fresh app. Never throws: a failure is the phase's verdict and error.
 * @param {object} ctx
 * @param {{ script: string, env: (port: number, redisUrl: string) => NodeJS.ProcessEnv }} ctx.target  mode redis
 * @param {{ email: string, password: string }} ctx.account
 * @param {import('ioredis').Redis} ctx.redis
 * @param {string} ctx.redisUrl
 * @param {import('./lib.mjs').LoadGenerator} ctx.generator
 * @param {IntrospectPlan} ctx.plan
 * @param {number} ctx.ticks
 * @param {string} ctx.outDir
 * @param {(line: string) => void} ctx.log
 * @param {() => Promise<Record<string, string>>} ctx.database  a fresh database for the app
 * @returns {Promise<IntrospectPhase>}
 */
export async function measureIntrospectPhase({ target, account, redis, redisUrl, generator, plan, ...ctx }) {
  const { ticks, outDir, log } = ctx;
  const settings = {
    ...plan,
    connections: CONNECTIONS,
    clientId: CLIENT_ID,
    body: 'token=<access token>&token_type_hint=access_token',
    floor: INTROSPECT_FLOOR,
  };
  log(`\n## POST /oauth/introspect: -c${CONNECTIONS} for ${plan.seconds} s, HTTP Basic, a live access token`);
  // One per run, as `openssl rand -hex 32` makes them; never printed, and kept out of wrk's command line.
  const secret = randomBytes(32).toString('hex');
  const authorization = basicAuthorization(CLIENT_ID, secret);
  const logFile = join(outDir, 'app-introspect.log');
  await redis.flushall();
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const env = { ...target.env(port, redisUrl), OAUTH_CLIENTS: `${CLIENT_ID}:${secret}`, ...(await ctx.database()) };
  const app = startChild(process.execPath, [target.script], { env, cwd: outDir, logFile });
  try {
    await waitForHttp(app, `${base}/me`, logFile);
    const registered = await request('POST', `${base}/register`, { body: account });
    if (registered.status !== 201) throw new BenchError(`POST /register: ${registered.status} (want 201)`);
    const login = await request('POST', `${base}/login`, { body: account });
    const token = /** @type {{ access_token?: unknown } | undefined} */ (login.body)?.access_token;
    if (login.status !== 200 || typeof token !== 'string') throw new BenchError(`POST /login: ${login.status}`);
    const body = `token=${encodeURIComponent(token)}&token_type_hint=access_token`;

    // By hand first: the client is accepted and the token is active; a wrong secret is refused.
    const once = await introspectOnce(base, authorization, body);
    if (once.status !== 200 || !once.text.includes(ACTIVE)) {
      throw new BenchError(`one POST /oauth/introspect by hand: ${once.status} ${once.text.slice(0, 200)}`);
    }
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
    const wrong = await introspectOnce(base, basicAuthorization(CLIENT_ID, wrongSecret), body);
    if (wrong.status !== 401) {
      throw new BenchError(`POST /oauth/introspect with a wrong secret: ${wrong.status} (want 401)`);
    }

    const load = {
      url: `${base}/oauth/introspect`,
      body,
      contentType: 'application/x-www-form-urlencoded',
      authorization,
      expect: ACTIVE,
      connections: CONNECTIONS,
    };
    /** @param {string} name */
    const outFile = (name) => join(outDir, `load-introspect-${name}.txt`);
    await runLoad(generator, { ...load, seconds: plan.warmupSeconds, outFile: outFile('warmup') });
    await redis.config('RESETSTAT');
    const pid = /** @type {number} */ (app.pid);
    const appCpu0 = processCpuSeconds(pid, ticks);
    const redisCpu0 = await redisCpuSeconds(redis);
    const result = await runLoad(generator, { ...load, seconds: plan.seconds, outFile: outFile('measured') });
    const appCpu = processCpuSeconds(pid, ticks) - appCpu0;
    const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
    const calls = await redisCommandCalls(redis);
    const measured = {
      load: result,
      appCpuUs: (appCpu * 1e6) / result.requests,
      redisCpuUs: (redisCpu * 1e6) / result.requests,
      commandsPerRequest: Object.fromEntries(Object.entries(calls).map(([c, n]) => [c, n / result.requests])),
    };
    log(
      `  POST /oauth/introspect     ${fmt(result.rps)} req/s, p50 ${fmt(result.p50Ms, 2)} ms, ` +
        `p99 ${fmt(result.p99Ms, 2)} ms, non-2xx ${result.non2xx}, not active ${result.unexpected ?? '—'}, ` +
        `socket errors ${result.socketErrors}; per request: app CPU ${fmt(measured.appCpuUs)} µs, ` +
        `Redis CPU ${fmt(measured.redisCpuUs, 1)} µs, Redis commands ${commandsText(measured.commandsPerRequest)}`,
    );
    const bad = result.non2xx + (result.unexpected ?? 0);
    if (bad === 0) return { verdict: 'PASS', settings, measured };
    const error = `${result.non2xx} non-2xx and ${result.unexpected ?? 0} answers without ${ACTIVE}`;
    log(`  FAIL: ${error}`);
    return { verdict: 'FAIL', error, settings, measured };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  POST /oauth/introspect phase FAIL: ${message}`);
    return { verdict: 'FAIL', error: message, settings };
  } finally {
    await stopChild(app);
  }
}

/**
 * "1.00 (evalsha 1.00)": commands per request, in total and by command.
 * @param {Record<string, number>} commands
 */
export function commandsText(commands) {
  const total = Object.values(commands).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(commands)
    .filter(([, n]) => n >= 0.005)
    .sort(([, a], [, b]) => b - a)
    .map(([command, n]) => `${command} ${fmt(n, 2)}`);
  return parts.length > 0 ? `${fmt(total, 2)} (${parts.join(', ')})` : fmt(total, 2);
}

/**
 * The floor, met (true), missed (false) or not measured (undefined), with its value.
 * @param {IntrospectPhase | undefined} phase
 */
export function introspectFloor(phase) {
  const m = phase?.measured;
  const floor =
    `POST /oauth/introspect ≥ ${INTROSPECT_FLOOR.rps} req/s (2× Ory Hydra's ${HYDRA_RPS}/s on 2 CPUs, rounded up) ` +
    `with p99 ≤ ${INTROSPECT_FLOOR.p99Ms} ms at -c${CONNECTIONS}`;
  if (!m) return { floor, value: phase?.error ?? 'not measured', met: undefined };
  const met = m.load.rps >= INTROSPECT_FLOOR.rps && m.load.p99Ms <= INTROSPECT_FLOOR.p99Ms;
  return { floor, value: `${fmt(m.load.rps)} req/s, p99 ${fmt(m.load.p99Ms, 2)} ms`, met };
}

/**
 * The "POST /oauth/introspect" section of summary.md.
 * @param {IntrospectPhase} phase
 * @param {string} generatorName
 */
export function introspectMarkdown(phase, generatorName) {
  const { settings: s, measured: m } = phase;
  const tool = generatorName === 'wrk' ? 'wrk -t1' : 'autocannon';
  const { floor, value, met } = introspectFloor(phase);
  return [
    '## POST /oauth/introspect',
    '',
    `load: one fresh app, mode redis, with one OAuth client (\`OAUTH_CLIENTS=${s.clientId}:<64 hex chars>\`) and ` +
      `one account logged in. ${tool} -c${s.connections} -d${s.seconds}s POST /oauth/introspect after a ` +
      `${s.warmupSeconds} s warm-up: HTTP Basic client credentials, the live access token as an ` +
      `application/x-www-form-urlencoded body (\`${s.body}\`, RFC 7662 §2.1); every 2xx answer must hold ` +
      `\`${ACTIVE}\`.`,
    '',
    ...(m
      ? [
          '| load | req/s | p50 ms | p99 ms | app CPU µs/req | Redis CPU µs/req | Redis cmds/req | non-2xx / not active / socket errors |',
          '|---|---|---|---|---|---|---|---|',
          `| POST /oauth/introspect -c${s.connections} | ${fmt(m.load.rps)} | ${fmt(m.load.p50Ms, 2)} | ` +
            `${fmt(m.load.p99Ms, 2)} | ${fmt(m.appCpuUs)} | ${fmt(m.redisCpuUs, 1)} | ` +
            `${commandsText(m.commandsPerRequest)} | ${m.load.non2xx} / ${m.load.unexpected ?? '—'} / ` +
            `${m.load.socketErrors} |`,
          '',
        ]
      : []),
    '### Checks',
    '',
    met === undefined ? `- [n/a] ${floor}: ${value}` : `- [${met ? 'met' : 'MISS'}] ${floor}: ${value}`,
    phase.verdict === 'PASS'
      ? '- [met] every answer 200 with `"active":true` (enforced)'
      : `- [FAIL] ${phase.error ?? 'unknown error'}`,
  ].join('\n');
}
