// The POST /refresh phase of `npm run bench`: what a refresh-token rotation costs. One fresh app (mode redis,
// throttling out of reach, SESSIONS_PER_USER=1000) with SESSIONS live sessions; wrk then refreshes each session in
// turn: every request takes the next refresh token of a queue, and each 200's new refresh_token joins the queue's
// end, so a session is refreshed again only after every other one was. Any non-200 fails the phase (a 401 means a
// token was sent twice or is wrong).
//
// The sessions are opened fast, without an argon2id hash each: ACCOUNTS accounts are registered through the app,
// then SESSIONS_PER_ACCOUNT sessions per account are opened through the built app's own RedisSessionStore.open and
// RefreshTokenCodec.issue (from dist/), configured by the built loadConfig from the app's own environment: the same
// key prefix, session terms, HMAC key and store epoch (adopted from the record the running app installed), and the
// account version read from the database. That is SessionsService.open minus the password check: what a login
// stores, byte for byte.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  BenchError,
  HOST,
  fmt,
  freePort,
  parseJson,
  processCpuSeconds,
  redisCommandCalls,
  redisCpuSeconds,
  request,
  runLoad,
  startChild,
  stopChild,
  waitForHttp,
} from './lib.mjs';
import { commandsText } from './introspect.mjs';
import { NO_THROTTLE } from './login.mjs';

const CONNECTIONS = 32;
// 11 000 sessions: the warm-up leaves up to CONNECTIONS of them without a token (their answers in flight when wrk
// stops), and the measured load still starts with at least 10 000.
const ACCOUNTS = 11;
const SESSIONS_PER_ACCOUNT = 1000; // SESSIONS_PER_USER's maximum: none of them pushes another out
const SESSIONS = ACCOUNTS * SESSIONS_PER_ACCOUNT;
const OPENS_IN_FLIGHT = 500;
export const REFRESH_FLOOR = { rps: 2000 };
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {object} RefreshPlan  the phase's durations (a profile's `refresh`)
 * @property {number} seconds        measured
 * @property {number} warmupSeconds  unrecorded, before (it rotates sessions too)
 * @typedef {import('./lib.mjs').LoadResult} LoadResult
 * @typedef {{ seeded: number, sent: number, ok: number, refused: number, starved: number, unparsed: number,
 *   left: number }} QueueCounts  from wrk-refresh.lua: tokens at start, requests, 200s with a new token, non-200s,
 *   requests sent with no token left, 200s without a refresh_token, tokens left in the queue at the end
 * @typedef {object} RefreshMeasured
 * @property {LoadResult} load
 * @property {QueueCounts} queue
 * @property {number} appCpuUs    app CPU per refresh
 * @property {number} redisCpuUs  Redis CPU per refresh
 * @property {Record<string, number>} commandsPerRequest  Redis calls per command / refreshes
 * @typedef {object} RefreshPhase
 * @property {'PASS' | 'FAIL'} verdict  FAIL: it could not run, or a refresh was not a 200 with a new token
 * @property {string} [error]
 * @property {ReturnType<typeof phaseSettings>} settings
 * @property {{ sessions: number, seconds: number, accountVersions: number[] }} [seeding]
 * @property {RefreshMeasured} [measured]
 */

/** @param {RefreshPlan} plan */
const phaseSettings = (plan) => ({
  ...plan,
  connections: CONNECTIONS,
  accounts: ACCOUNTS,
  sessionsPerAccount: SESSIONS_PER_ACCOUNT,
  appEnv: { ...NO_THROTTLE, SESSIONS_PER_USER: String(SESSIONS_PER_ACCOUNT) },
  floor: REFRESH_FLOOR,
});

// ---- seeding through the built app -------------------------------------------------------------------------------

/**
 * @typedef {{ token: string, hash: string }} EncodedRefreshToken
 * @typedef {{
 *   open(session: { userId: string, sessionId: string, userAgent: string, refreshTokenHash: string },
 *     accountVersion: number): Promise<{ epoch: string } | undefined>,
 *   onApplicationShutdown(): Promise<void>,
 * }} SessionStore
 * @typedef {{ onApplicationBootstrap(): Promise<void>, onApplicationShutdown(): void }} StoreEpoch
 * @typedef {{ jwt: { secretKey: import('node:crypto').KeyObject },
 *   redis: { keyPrefix: string, waitReplicas: number, waitTimeoutMs: number, commandTimeoutMs: number } }} AppConfig
 * @typedef {{
 *   loadConfig(source: NodeJS.ProcessEnv): AppConfig & Record<string, unknown>,
 *   sessionTerms(jwt: unknown, session: unknown): object,
 *   RefreshTokenCodec: new (key: import('node:crypto').KeyObject) => {
 *     issue(parts: { userId: string, sessionId: string, generation: number }): EncodedRefreshToken },
 *   RedisSessionStore: new (...args: unknown[]) => SessionStore,
 *   RedisStoreEpoch: new (...args: unknown[]) => StoreEpoch,
 *   NoEpochLedger: new () => object,
 *   ReplicatedWriter: new (...args: unknown[]) => object,
 *   RedisKeys: new (prefix: string) => object,
 * }} AppModules
 */

/**
 * The built app's config loader, session store and codec (dist/ has no type declarations, hence the casts).
 * @param {string} distDir
 * @returns {Promise<AppModules>}
 */
async function importAppModules(distDir) {
  /**
   * @param {string} file
   * @returns {Promise<Record<string, unknown>>}
   */
  const load = (file) => import(pathToFileURL(join(distDir, file)).href);
  const files = [
    'config/load-config.js',
    'sessions/session-terms.js',
    'sessions/refresh-token.codec.js',
    'sessions/redis-session.store.js',
    'epoch/redis-store-epoch.js',
    'epoch/epoch-ledger.js',
    'redis/replication.js',
    'redis/redis-keys.js',
  ];
  /** @type {Record<string, unknown>} */
  const modules = {};
  for (const file of files) Object.assign(modules, await load(file));
  return /** @type {AppModules} */ (/** @type {unknown} */ (modules));
}

/**
 * Each account's version as the app stored it (what a login reads and opens its session at). An embedded database
 * serves one process at a time, so without a DATABASE_URL it is the version every new account gets (1, see
 * src/users/users-repository.ts); no change was made to these accounts since.
 * @param {Record<string, string>} database
 * @param {string[]} userIds
 */
async function accountVersions(database, userIds) {
  if (!database.DATABASE_URL) return userIds.map(() => 1);
  const client = new pg.Client({ connectionString: database.DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query('select id, version from users where id = any($1)', [userIds]);
    const rows = /** @type {{ id: string, version: number | string }[]} */ (result.rows);
    const byId = new Map(rows.map((row) => [String(row.id), Number(row.version)]));
    return userIds.map((id) => {
      const version = byId.get(id);
      if (version === undefined) throw new BenchError(`account ${id} is not in the app's database`);
      return version;
    });
  } finally {
    await client.end();
  }
}

/**
 * Opens SESSIONS_PER_ACCOUNT sessions for each account through the built RedisSessionStore, as SessionsService.open
 * does for a login (a fresh session id, the first refresh token of the codec, the account version as read), and
 * returns their refresh tokens, the accounts interleaved.
 * @param {object} options
 * @param {string} options.distDir
 * @param {NodeJS.ProcessEnv} options.env  the running app's environment
 * @param {{ id: string, version: number }[]} options.accounts
 */
async function openSessions({ distDir, env, accounts }) {
  const app = await importAppModules(distDir);
  const config = app.loadConfig(env);
  const redis = new Redis(/** @type {string} */ (env.REDIS_URL), { enableAutoPipelining: true });
  const keys = new app.RedisKeys(config.redis.keyPrefix);
  const epoch = new app.RedisStoreEpoch(redis, keys, new app.NoEpochLedger(), { storeLost: () => undefined }, 1000);
  /** @type {SessionStore | undefined} */
  let store;
  try {
    // The record the running app installed is there: this adopts its epoch, as a second instance would.
    await epoch.onApplicationBootstrap();
    const { waitReplicas: replicas, waitTimeoutMs: timeoutMs } = config.redis;
    const writer = new app.ReplicatedWriter(redis, { replicas, timeoutMs });
    const terms = app.sessionTerms(config.jwt, config.session);
    const settled = { settle: () => Promise.resolve() }; // no session is pushed out: nothing to settle
    store = new app.RedisSessionStore(redis, keys, terms, epoch, writer, settled);
    const codec = new app.RefreshTokenCodec(config.jwt.secretKey);
    /** @type {string[]} */
    const tokens = [];
    const opens = Array.from({ length: SESSIONS }, (_, i) => accounts[i % accounts.length]);
    for (let done = 0; done < opens.length; done += OPENS_IN_FLIGHT) {
      const batch = opens.slice(done, done + OPENS_IN_FLIGHT).map(async ({ id: userId, version }) => {
        const sessionId = randomUUID();
        const { token, hash } = codec.issue({ userId, sessionId, generation: 0 });
        const grant = await /** @type {SessionStore} */ (store).open(
          { userId, sessionId, userAgent: '', refreshTokenHash: hash },
          version,
        );
        if (!grant) throw new BenchError(`the session store refused to open a session for account ${userId}`);
        return token;
      });
      tokens.push(...(await Promise.all(batch)));
    }
    return tokens;
  } finally {
    epoch.onApplicationShutdown();
    await store?.onApplicationShutdown();
    redis.disconnect();
  }
}

// ---- the load ----------------------------------------------------------------------------------------------------

/**
 * Writes wrk-refresh.lua into `dir` and returns its path: POST /refresh with the next token of a queue read from
 * $WRK_REFRESH_TOKENS (one per line); each 200's new refresh_token joins the queue's end. At the end, the tokens
 * still queued go to $WRK_REFRESH_LEFT (the next load's queue), then wrk-report.lua's line and a WRK_REFRESH one.
 * @param {string} dir
 */
function wrkRefreshScript(dir) {
  const file = join(dir, 'wrk-refresh.lua');
  const lua = `-- written by bench/refresh.mjs: each POST /refresh sends the next refresh token of a queue; each 200's new
-- refresh_token joins the queue's end, so every session is refreshed once before any is refreshed again.
dofile(${JSON.stringify(join(HERE, 'wrk-report.lua'))})
local report = done
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- Per wrk thread (its own Lua state; the bench runs one): the queue and its counts.
function init()
  queue, head, tail = {}, 1, 0
  local path = assert(os.getenv("WRK_REFRESH_TOKENS"), "WRK_REFRESH_TOKENS is not set")
  for line in io.lines(path) do
    if line ~= "" then tail = tail + 1; queue[tail] = line end
  end
  seeded, sent, ok, refused, starved, unparsed = tail, 0, 0, 0, 0, 0
end
function request()
  local token = "queue-empty"
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  else
    starved = starved + 1
  end
  sent = sent + 1
  return wrk.format(nil, nil, nil, '{"refresh_token":"' .. token .. '"}')
end
function response(status, headers, body)
  if status ~= 200 then
    refused = refused + 1
    return
  end
  local token = string.match(body, '"refresh_token":"([^"]+)"')
  if token then
    tail = tail + 1
    queue[tail] = token
    ok = ok + 1
  else
    unparsed = unparsed + 1
  end
end
function done(summary, latency, requests)
  report(summary, latency, requests)
  local path = assert(os.getenv("WRK_REFRESH_LEFT"), "WRK_REFRESH_LEFT is not set")
  local out = assert(io.open(path, "w"))
  local c = { seeded = 0, sent = 0, ok = 0, refused = 0, starved = 0, unparsed = 0, left = 0 }
  for _, thread in ipairs(threads) do
    local q, h, t = thread:get("queue"), thread:get("head"), thread:get("tail")
    for i = h, t do out:write(q[i], "\\n") end
    c.left = c.left + math.max(0, t - h + 1)
    for _, name in ipairs({ "seeded", "sent", "ok", "refused", "starved", "unparsed" }) do
      c[name] = c[name] + thread:get(name)
    end
  end
  out:close()
  io.write(string.format(
    'WRK_REFRESH {"seeded":%d,"sent":%d,"ok":%d,"refused":%d,"starved":%d,"unparsed":%d,"left":%d}\\n',
    c.seeded, c.sent, c.ok, c.refused, c.starved, c.unparsed, c.left))
end
`;
  writeFileSync(file, lua);
  return file;
}

/**
 * The WRK_REFRESH line of a load's output.
 * @param {string} outFile
 * @returns {QueueCounts}
 */
function queueCounts(outFile) {
  const line = readFileSync(outFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('WRK_REFRESH '));
  if (!line) throw new BenchError(`no WRK_REFRESH line in wrk's output; see ${outFile}`);
  return /** @type {QueueCounts} */ (parseJson(line.slice('WRK_REFRESH '.length)));
}

/**
 * One POST /refresh by hand: the new refresh token of a 200, or a BenchError.
 * @param {string} base
 * @param {string} token
 * @param {string} what  for the error
 */
async function refreshOnce(base, token, what) {
  const res = await request('POST', `${base}/refresh`, { body: { refresh_token: token } });
  const next = /** @type {{ refresh_token?: unknown } | undefined} */ (res.body)?.refresh_token;
  if (res.status !== 200 || typeof next !== 'string') {
    throw new BenchError(`POST /refresh with ${what}: ${res.status} (want 200 with a refresh_token)`);
  }
  return next;
}

/**
 * The whole phase on one fresh app. Never throws: a failure is the phase's verdict and error.
 * @param {object} ctx
 * @param {string} ctx.distDir  the built app the target runs, whose session store seeds the sessions
 * @param {{ script: string, env: (port: number, redisUrl: string) => NodeJS.ProcessEnv }} ctx.target  mode redis
 * @param {{ email: string, password: string }} ctx.account  the accounts are named after it
 * @param {import('ioredis').Redis} ctx.redis
 * @param {string} ctx.redisUrl
 * @param {import('./lib.mjs').LoadGenerator} ctx.generator
 * @param {RefreshPlan} ctx.plan
 * @param {number} ctx.ticks
 * @param {string} ctx.outDir
 * @param {(line: string) => void} ctx.log
 * @param {() => Promise<Record<string, string>>} ctx.database  a fresh database for the app
 * @returns {Promise<RefreshPhase>}
 */
export async function measureRefreshPhase({ distDir, target, account, redis, redisUrl, generator, plan, ...ctx }) {
  const { ticks, outDir, log } = ctx;
  const settings = phaseSettings(plan);
  log(`\n## POST /refresh: ${SESSIONS} sessions, -c${CONNECTIONS} for ${plan.seconds} s, each session in turn`);
  if (generator.name !== 'wrk') {
    return { verdict: 'FAIL', error: 'the refresh queue needs wrk (apt-get install wrk)', settings };
  }
  const logFile = join(outDir, 'app-refresh.log');
  await redis.flushall();
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const database = await ctx.database();
  const env = { ...target.env(port, redisUrl), ...settings.appEnv, ...database };
  const app = startChild(process.execPath, [target.script], { env, cwd: outDir, logFile });
  try {
    await waitForHttp(app, `${base}/me`, logFile);
    const started = Date.now();
    /** @type {string[]} */
    const userIds = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const body = { email: `refresh-${i}-${account.email}`, password: account.password };
      const res = await request('POST', `${base}/register`, { body });
      const id = /** @type {{ id?: unknown } | undefined} */ (res.body)?.id;
      if (res.status !== 201 || typeof id !== 'string') throw new BenchError(`POST /register: ${res.status}`);
      userIds.push(id);
    }
    const versions = await accountVersions(database, userIds);
    const accounts = userIds.map((id, i) => ({ id, version: versions[i] }));
    const tokens = await openSessions({ distDir, env, accounts });
    const seeding = { sessions: tokens.length, seconds: (Date.now() - started) / 1000, accountVersions: versions };
    log(`  seeded ${tokens.length} sessions (${ACCOUNTS} accounts) in ${fmt(seeding.seconds, 1)} s`);

    // By hand first: a seeded token refreshes; its successor takes its place in the queue.
    tokens[0] = await refreshOnce(base, tokens[0], 'a seeded refresh token');

    const script = wrkRefreshScript(outDir);
    const files = ['seeded', 'after-warmup', 'after-measured'].map((name) => join(outDir, `refresh-${name}.txt`));
    writeFileSync(files[0], `${tokens.join('\n')}\n`);
    /**
     * @param {number} step  0: warm-up, 1: measured
     * @param {number} seconds
     */
    const load = (step, seconds) =>
      runLoad(generator, {
        url: `${base}/refresh`,
        script,
        scriptEnv: { WRK_REFRESH_TOKENS: files[step], WRK_REFRESH_LEFT: files[step + 1] },
        connections: CONNECTIONS,
        seconds,
        outFile: join(outDir, `load-refresh-${step === 0 ? 'warmup' : 'measured'}.txt`),
      });
    const warmup = await load(0, plan.warmupSeconds);
    const warmupQueue = queueCounts(join(outDir, 'load-refresh-warmup.txt'));
    await redis.config('RESETSTAT');
    const pid = /** @type {number} */ (app.pid);
    const appCpu0 = processCpuSeconds(pid, ticks);
    const redisCpu0 = await redisCpuSeconds(redis);
    const result = await load(1, plan.seconds);
    const appCpu = processCpuSeconds(pid, ticks) - appCpu0;
    const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
    const calls = await redisCommandCalls(redis);
    const queue = queueCounts(join(outDir, 'load-refresh-measured.txt'));
    const measured = {
      load: result,
      queue,
      appCpuUs: (appCpu * 1e6) / result.requests,
      redisCpuUs: (redisCpu * 1e6) / result.requests,
      commandsPerRequest: Object.fromEntries(Object.entries(calls).map(([c, n]) => [c, n / result.requests])),
    };
    log(
      `  POST /refresh              ${fmt(result.rps)} req/s, p50 ${fmt(result.p50Ms, 2)} ms, ` +
        `p99 ${fmt(result.p99Ms, 2)} ms, non-200 ${queue.refused}, socket errors ${result.socketErrors}; ` +
        `per refresh: app CPU ${fmt(measured.appCpuUs)} µs, Redis CPU ${fmt(measured.redisCpuUs, 1)} µs, ` +
        `Redis commands ${commandsText(measured.commandsPerRequest)}; queue ${queue.seeded} → ${queue.left} ` +
        `(${fmt(queue.sent / queue.seeded, 2)} refreshes per session)`,
    );
    /** @type {string[]} */
    const problems = [];
    for (const [name, q, l] of /** @type {const} */ ([
      ['warm-up', warmupQueue, warmup],
      ['measured', queue, result],
    ])) {
      const bad = q.refused + q.starved + q.unparsed + l.socketErrors;
      if (bad > 0) {
        problems.push(
          `${name}: ${q.refused} non-200, ${q.starved} sent with the queue empty, ${q.unparsed} 200s without a ` +
            `refresh_token, ${l.socketErrors} socket errors`,
        );
      }
    }
    if (problems.length === 0) {
      // And after: a token the load left queued still refreshes (the chain is intact).
      const left = readFileSync(files[2], 'utf8').split('\n')[0];
      await refreshOnce(base, left, 'a token the load left queued');
      return { verdict: 'PASS', settings, seeding, measured };
    }
    const error = problems.join('; ');
    log(`  FAIL: ${error}`);
    return { verdict: 'FAIL', error, settings, seeding, measured };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  POST /refresh phase FAIL: ${message}`);
    return { verdict: 'FAIL', error: message, settings };
  } finally {
    await stopChild(app);
  }
}

// ---- summary -----------------------------------------------------------------------------------------------------

/**
 * The floor, met (true), missed (false) or not measured (undefined), with its value.
 * @param {RefreshPhase | undefined} phase
 */
export function refreshFloor(phase) {
  const m = phase?.measured;
  const floor = `POST /refresh ≥ ${REFRESH_FLOOR.rps} refreshes/s (each session in turn, -c${CONNECTIONS})`;
  if (!m) return { floor, value: phase?.error ?? 'not measured', met: undefined };
  return {
    floor,
    value: `${fmt(m.load.rps)} req/s, p99 ${fmt(m.load.p99Ms, 2)} ms`,
    met: m.load.rps >= REFRESH_FLOOR.rps,
  };
}

/**
 * The "POST /refresh" section of summary.md.
 * @param {RefreshPhase} phase
 * @param {string} generatorName
 */
export function refreshMarkdown(phase, generatorName) {
  const { settings: s, seeding, measured: m } = phase;
  const tool = generatorName === 'wrk' ? 'wrk -t1' : 'autocannon';
  const { floor, value, met } = refreshFloor(phase);
  return [
    '## POST /refresh',
    '',
    `load: one fresh app, mode redis, SESSIONS_PER_USER=${s.sessionsPerAccount}, throttling out of reach ` +
      `(THROTTLE_IP_LIMIT ${NO_THROTTLE.THROTTLE_IP_LIMIT}). ${s.accounts} accounts registered through the app, ` +
      `then ${s.sessionsPerAccount} sessions each opened through the built RedisSessionStore.open and ` +
      `RefreshTokenCodec (the app's own config, epoch and account versions: what a login stores, without its ` +
      `argon2id hash)${seeding ? `, in ${fmt(seeding.seconds, 1)} s` : ''}. ${tool} -c${s.connections} ` +
      `-d${s.seconds}s POST /refresh after a ${s.warmupSeconds} s warm-up (which rotates too): each request sends ` +
      "the next refresh token of a queue, each 200's new refresh_token joins its end, so a session is refreshed " +
      'again only after all the others; any non-200 fails the phase.',
    '',
    ...(m
      ? [
          '| load | req/s | p50 ms | p99 ms | app CPU µs/req | Redis CPU µs/req | Redis cmds/req | non-200 / socket errors | refreshes per session |',
          '|---|---|---|---|---|---|---|---|---|',
          `| POST /refresh -c${s.connections} | ${fmt(m.load.rps)} | ${fmt(m.load.p50Ms, 2)} | ` +
            `${fmt(m.load.p99Ms, 2)} | ${fmt(m.appCpuUs)} | ${fmt(m.redisCpuUs, 1)} | ` +
            `${commandsText(m.commandsPerRequest)} | ${m.queue.refused} / ${m.load.socketErrors} | ` +
            `${fmt(m.queue.sent / m.queue.seeded, 2)} |`,
          '',
          'Redis cmds/req: INFO commandstats calls over the measured run / refreshes. Redis counts the commands a ' +
            'script runs too: the scripts themselves (EVAL, EVALSHA) came to ' +
            `${fmt((m.commandsPerRequest.eval ?? 0) + (m.commandsPerRequest.evalsha ?? 0), 2)} per refresh, ` +
            'and most of the other commands ran inside them. App CPU: utime+stime of the app over the run / ' +
            'refreshes (it also hashes and signs the new tokens and reads the account from the database).',
          '',
        ]
      : []),
    '### Checks',
    '',
    met === undefined ? `- [n/a] ${floor}: ${value}` : `- [${met ? 'met' : 'MISS'}] ${floor}: ${value}`,
    phase.verdict === 'PASS'
      ? '- [met] every refresh 200 with a new refresh_token, none sent twice (enforced)'
      : `- [FAIL] ${phase.error ?? 'unknown error'}`,
  ].join('\n');
}
