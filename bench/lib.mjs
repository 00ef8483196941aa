// Helpers for bench/run.mjs and its phases (login.mjs, introspect.mjs, refresh.mjs): the processes they start (each stopped by its own pid, also on error
// and Ctrl-C), free loopback ports, a private redis-server, CPU and Redis counters, one-off requests and the HTTP load
// generator.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export const HOST = '127.0.0.1';
const HERE = dirname(fileURLToPath(import.meta.url));

/** A failure the user can act on: printed as its message alone, without a stack trace. */
export class BenchError extends Error {}

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/** @typedef {{ code: number | null, signal: string | null, error?: Error }} Exit */

// ---- processes ---------------------------------------------------------------------------------------------------

/**
 * Every child still running, with the promise of its exit. Children are stopped by their pid, never by name.
 * @type {Map<ChildProcess, Promise<Exit>>}
 */
const running = new Map();

/**
 * Starts `cmd` with stdout and stderr appended to `logFile`.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ logFile: string, env?: NodeJS.ProcessEnv, cwd?: string, uid?: number, gid?: number }} options
 * @returns {ChildProcess}
 */
export function startChild(cmd, args, { logFile, env = process.env, cwd, uid, gid }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { env, cwd, uid, gid, stdio: ['ignore', fd, fd] });
  closeSync(fd); // the child holds its own copy
  /** @type {Promise<Exit>} */
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error })); // it could not start
  });
  running.set(child, exit);
  void exit.then(() => running.delete(child));
  return child;
}

/** @param {ChildProcess} child */
export const isRunning = (child) => running.has(child);

/**
 * @param {ChildProcess} child
 * @returns {Promise<Exit>}
 */
export const exitOf = (child) =>
  running.get(child) ?? Promise.resolve({ code: child.exitCode, signal: child.signalCode });

/**
 * Runs a command to its end, its output in `logFile`; throws with the log's last lines when it fails.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ logFile: string, cwd?: string }} options
 */
export async function runToEnd(cmd, args, options) {
  const { code, signal, error } = await exitOf(startChild(cmd, args, options));
  if (code === 0) return;
  const tail = readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  const why = error?.message ?? (signal ? `signal ${signal}` : `exit code ${code}`);
  throw new BenchError(`\`${cmd} ${args.join(' ')}\` failed (${why}); last lines of ${options.logFile}:\n${tail}`);
}

/**
 * SIGTERM by pid, SIGKILL after `graceMs`; resolves once the child has exited.
 * @param {ChildProcess | undefined} child
 */
export async function stopChild(child, graceMs = 5000) {
  const exit = child && running.get(child);
  if (!child || !exit) return;
  signal(child, 'SIGTERM');
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
  await exit;
  clearTimeout(timer);
}

/**
 * @param {ChildProcess} child
 * @param {NodeJS.Signals} name
 */
function signal(child, name) {
  try {
    if (child.pid) process.kill(child.pid, name);
  } catch {
    // it exited in the meantime
  }
}

/** Stops every child this process started and still runs. */
export const stopAllChildren = () => Promise.all([...running.keys()].map((child) => stopChild(child, 2000)));

// Whatever happens, no child outlives the bench: SIGKILL the rest on exit, stop them all on Ctrl-C / SIGTERM.
process.on('exit', () => [...running.keys()].forEach((child) => signal(child, 'SIGKILL')));

/** @param {(line: string) => void} log */
export function stopChildrenOnSignals(log) {
  let signals = 0;
  for (const name of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(name, () => {
      if (++signals > 1) process.exit(130); // a second Ctrl-C: the exit hook SIGKILLs what is left
      log(`\n${name}: stopping ${running.size} process(es) started by the bench, then exiting`);
      void stopAllChildren().finally(() => process.exit(130));
    });
  }
}

// ---- machine and files -------------------------------------------------------------------------------------------

/** @param {string} name */
export function findOnPath(name) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));
}

/**
 * First line of a command's output (stdout, else stderr), for version strings.
 * @param {string} cmd
 * @param {string[]} args
 */
export function firstLine(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n')[0];
  } catch (error) {
    const { stdout, stderr } = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    return `${stdout || stderr || 'unknown'}`.trim().split('\n')[0];
  }
}

/**
 * Newest modification time (ms) of the files under `root`, 0 when there are none.
 * @param {string} root
 */
export function newestMtimeMs(root) {
  if (!existsSync(root)) return 0;
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Math.max(0, ...files.map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs));
}

/** @param {string} file */
export const mtimeMs = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

/** A TCP port that is free on 127.0.0.1 right now (the kernel picks it). */
export function freePort() {
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    })
  );
}

/**
 * Waits until `url` answers any HTTP status, or throws when the child exits or time runs out.
 * @param {ChildProcess} child
 * @param {string} url
 * @param {string} logFile
 */
export async function waitForHttp(child, url, logFile, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) throw new BenchError(`it exited before answering on ${url}; see ${logFile}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(100); // not listening yet
    }
  }
  throw new BenchError(`no answer on ${url} within ${timeoutMs / 1000} s; see ${logFile}`);
}

// ---- CPU and Redis counters --------------------------------------------------------------------------------------

export function clockTicksPerSecond() {
  return Number(firstLine('getconf', ['CLK_TCK'])) || 100;
}

/**
 * User + system CPU seconds a process has used so far (/proc/<pid>/stat fields 14 and 15, in clock ticks).
 * @param {number} pid
 * @param {number} ticksPerSecond
 */
export function processCpuSeconds(pid, ticksPerSecond) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * Starts a throw-away valkey-server or redis-server (no persistence) on a free loopback port.
 * @param {string} logFile
 */
export async function startRedis(logFile) {
  const bin = findOnPath('valkey-server') ?? findOnPath('redis-server');
  if (!bin) throw new BenchError('no valkey-server or redis-server on PATH: apt-get install redis-server');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  const child = startChild(bin, args, { logFile });
  const url = `redis://${HOST}:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // connection refused until it listens: retried below
  try {
    for (const deadline = Date.now() + 10_000; ; await sleep(50)) {
      if (!isRunning(child)) throw new BenchError(`${bin} exited at start; see ${logFile}`);
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new BenchError(`${bin} did not answer: ${String(error)}; see ${logFile}`);
        probe.disconnect();
      }
    }
  } finally {
    probe.disconnect();
  }
  return { child, url, bin, version: firstLine(bin, ['--version']) };
}

/**
 * One INFO section as field → value.
 * @param {Redis} redis
 * @param {string} section
 */
export async function redisInfo(redis, section) {
  const text = await redis.info(section);
  const lines = text.split(/\r?\n/).filter((line) => line.includes(':') && !line.startsWith('#'));
  return new Map(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
}

/** @param {Redis} redis */
export async function redisCpuSeconds(redis) {
  const cpu = await redisInfo(redis, 'cpu');
  return Number(cpu.get('used_cpu_sys')) + Number(cpu.get('used_cpu_user'));
}

/**
 * Calls per command since the last CONFIG RESETSTAT, leaving out the bench's own INFO and CONFIG.
 * @param {Redis} redis
 * @returns {Promise<Record<string, number>>}
 */
export async function redisCommandCalls(redis) {
  const stats = await redisInfo(redis, 'commandstats');
  /** @type {Record<string, number>} */
  const calls = {};
  for (const [field, value] of stats) {
    const command = field.replace(/^cmdstat_/, ''); // Redis 7 names subcommands "config|resetstat"
    if (!/^(info|config)\b/.test(command)) calls[command] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return calls;
}

/** @param {Redis} redis */
export async function usedMemory(redis) {
  return Number((await redisInfo(redis, 'memory')).get('used_memory'));
}

// ---- HTTP --------------------------------------------------------------------------------------------------------

/**
 * One HTTP request with a JSON body and/or a bearer token; the answer's body parsed when it is JSON.
 * @param {string} method
 * @param {string} url
 * @param {{ token?: string, body?: object }} [options]
 */
export async function request(method, url, { token, body } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? parseJson(text) : text };
}

// ---- load generator ----------------------------------------------------------------------------------------------

/** @typedef {{ name: 'wrk' | 'autocannon', bin: string, version: string }} LoadGenerator */
/**
 * @typedef {object} LoadResult
 * @property {number} requests
 * @property {number} rps
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} non2xx        responses that were not 2xx or 3xx
 * @property {number} socketErrors  connect, read, write errors and timeouts
 * @property {number} [status429]   429 responses of a POST load, when the generator counted them
 * @property {number} [tokensReused] requests of a distinct-token load that had to send a token again
 * @property {number} [unexpected]  2xx responses of a POST load whose body lacked the `expect` text (wrk only)
 */

/**
 * wrk when on PATH, else autocannon when installed (on PATH or in node_modules/.bin), else undefined.
 * @param {string} projectRoot
 * @returns {LoadGenerator | undefined}
 */
export function findLoadGenerator(projectRoot) {
  const wrk = findOnPath('wrk');
  if (wrk) return { name: 'wrk', bin: wrk, version: firstLine(wrk, ['--version']) };
  const local = join(projectRoot, 'node_modules', '.bin', 'autocannon');
  const autocannon = findOnPath('autocannon') ?? (existsSync(local) ? local : undefined);
  if (autocannon) return { name: 'autocannon', bin: autocannon, version: firstLine(autocannon, ['--version']) };
  return undefined;
}

/**
 * @typedef {object} Load  what runLoad sends
 * @property {string} url
 * @property {string} [token]        GET with this bearer token
 * @property {string} [tokensFile]   GET with the next token of this file on each request (wrk only)
 * @property {string} [body]         POST of this body (JSON unless `contentType` says otherwise), 429s counted
 * @property {string} [contentType]  the POST body's type (default application/json)
 * @property {string} [authorization]  an Authorization header value for the POST (e.g. HTTP Basic); wrk reads it
 *   from its environment, so it appears in no command line
 * @property {string} [expect]       text every 2xx answer's body must hold; the others are counted (wrk only)
 * @property {string} [script]       a wrk Lua script of the caller's own instead (wrk only)
 * @property {Record<string, string>} [scriptEnv]  environment for that script
 * @property {number} seconds
 * @property {number} connections
 * @property {string} outFile
 */

/**
 * Loads `url` with `connections` keep-alive connections for `seconds`; the raw output goes to `outFile`.
 * Without `body`: GET with the bearer `token`, or with the next token of `tokensFile` on each request (wrk only).
 * With `body`: POST of that body, and 429s counted. With `script`: that wrk script decides every request.
 * @param {LoadGenerator} generator
 * @param {Load} load
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(generator, load) {
  const { url, token, tokensFile, body, contentType = 'application/json', authorization, expect } = load;
  const { script: ownScript, scriptEnv, seconds, connections, outFile } = load;
  if ((tokensFile || ownScript || expect) && generator.name !== 'wrk') {
    throw new BenchError('a stream of tokens, a script of its own or an expected body needs wrk');
  }
  const headers = token ? [`Authorization: Bearer ${token}`] : [];
  if (body) headers.push(`Content-Type: ${contentType}`);
  /** @type {string[]} */
  let args;
  if (generator.name === 'wrk') {
    // A 10 s timeout: wrk would otherwise drop responses slower than 2 s from its latency histogram.
    const script =
      ownScript ??
      (body
        ? wrkPostScript(dirname(outFile))
        : tokensFile
          ? wrkTokensScript(dirname(outFile))
          : join(HERE, 'wrk-report.lua'));
    args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', script];
    args.push(...headers.flatMap((header) => ['-H', header]), url);
  } else {
    args = ['-c', String(connections), '-d', String(seconds), '-t', '10', '-j'];
    if (authorization) headers.push(`Authorization: ${authorization}`);
    args.push(...headers.flatMap((header) => ['-H', header.replace(': ', '=')]));
    if (body) args.push('-m', 'POST', '-b', body);
    args.push(url);
  }
  const shown = args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ');
  // The command, without the token or the credentials.
  const redacted = [token, body, authorization].reduce(
    (text, secret) => (secret ? text.replace(secret, '<redacted>') : text),
    shown,
  );
  writeFileSync(outFile, `$ ${generator.name} ${redacted}\n`);
  // wrk-post.lua reads the body and the credentials from its environment, so they appear in no command line.
  const env = {
    ...process.env,
    ...(body && { WRK_BODY: body }),
    ...(authorization && { WRK_AUTHORIZATION: authorization }),
    ...(expect && { WRK_EXPECT: expect }),
    ...(tokensFile && { WRK_TOKENS: tokensFile }),
    ...scriptEnv,
  };
  const { code, signal, error } = await exitOf(startChild(generator.bin, args, { logFile: outFile, env }));
  if (code !== 0) {
    const why = error?.message ?? (signal ? `stopped by ${signal}` : `exit code ${code}`);
    throw new BenchError(`${generator.name} failed (${why}); see ${outFile}`);
  }
  const output = readFileSync(outFile, 'utf8');
  return generator.name === 'wrk' ? parseWrk(output, outFile) : parseAutocannon(output, outFile);
}

/**
 * Writes wrk-post.lua into `dir` (the results folder, so the run keeps what it ran) and returns its path: POST of
 * $WRK_BODY (its type in a -H header), with $WRK_AUTHORIZATION as the Authorization header when set, a count of 429s
 * and of 2xx bodies without $WRK_EXPECT (when set) in each wrk thread, and at the end wrk-report.lua's line plus a
 * WRK_STATUS one. A `response` hook makes wrk hand every response to Lua, which is why the GET /me loads do not use
 * this script.
 * @param {string} dir
 */
function wrkPostScript(dir) {
  const file = join(dir, 'wrk-post.lua');
  const lua = `-- written by bench/lib.mjs: POST $WRK_BODY, count 429s (and 2xx bodies without $WRK_EXPECT), then
-- wrk-report.lua's summary line.
dofile(${JSON.stringify(join(HERE, 'wrk-report.lua'))})
local report = done
wrk.method = "POST"
wrk.body = assert(os.getenv("WRK_BODY"), "WRK_BODY is not set")
local authorization = os.getenv("WRK_AUTHORIZATION")
if authorization then wrk.headers["Authorization"] = authorization end
local expect = os.getenv("WRK_EXPECT")
local threads = {}
function setup(thread) table.insert(threads, thread) end
too_many = 0
unexpected = 0
function response(status, headers, body)
  if status == 429 then too_many = too_many + 1 end
  if expect and status >= 200 and status < 300 and not string.find(body, expect, 1, true) then
    unexpected = unexpected + 1
  end
end
function done(summary, latency, requests)
  report(summary, latency, requests)
  local n, u = 0, 0
  for _, thread in ipairs(threads) do
    n = n + thread:get("too_many")
    u = u + thread:get("unexpected")
  end
  io.write(string.format('WRK_STATUS {"429":%d,"unexpected":%d}\\n', n, u))
end
`;
  writeFileSync(file, lua);
  return file;
}

/**
 * Writes wrk-tokens.lua into `dir` and returns its path: GET with the next token of $WRK_TOKENS (one per line, from
 * bench/distinct-tokens.mjs) on every request, then wrk-report.lua's summary line and a WRK_TOKENS line (how many
 * tokens there were, how many requests had to send one again).
 * @param {string} dir
 */
function wrkTokensScript(dir) {
  const file = join(dir, 'wrk-tokens.lua');
  const lua = `-- written by bench/lib.mjs: each request carries a token of $WRK_TOKENS never sent before.
dofile(${JSON.stringify(join(HERE, 'wrk-report.lua'))})
local report = done
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- Per wrk thread (its own Lua state): the tokens and how many requests were sent.
function init()
  local path = assert(os.getenv("WRK_TOKENS"), "WRK_TOKENS is not set")
  tokens = {}
  for line in io.lines(path) do tokens[#tokens + 1] = line end
  count = #tokens
  sent = 0
end
function request()
  sent = sent + 1
  return wrk.format("GET", nil, { Authorization = "Bearer " .. tokens[(sent - 1) % count + 1] })
end
function done(summary, latency, requests)
  report(summary, latency, requests)
  local count, reused = 0, 0
  for _, thread in ipairs(threads) do
    count = count + thread:get("count")
    reused = reused + math.max(0, thread:get("sent") - thread:get("count"))
  end
  io.write(string.format('WRK_TOKENS {"tokens":%d,"reused":%d}\\n', count, reused))
end
`;
  writeFileSync(file, lua);
  return file;
}

/**
 * Reads the WRK_JSON line that wrk-report.lua prints at the end of a run.
 * @param {string} output
 * @param {string} outFile
 */
function parseWrk(output, outFile) {
  const line = output.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (!line) throw new BenchError(`no WRK_JSON line in wrk's output; see ${outFile}`);
  const wrk = /** @type {Record<string, number>} */ (parseJson(line.slice('WRK_JSON '.length)));
  return {
    requests: wrk.requests,
    rps: wrk.rps,
    p50Ms: wrk.lat_p50_us / 1000,
    p99Ms: wrk.lat_p99_us / 1000,
    non2xx: wrk.err_status,
    socketErrors: wrk.err_connect + wrk.err_read + wrk.err_write + wrk.err_timeout,
    ...statusCounts(output),
    ...tokenCounts(output),
  };
}

/**
 * The WRK_STATUS line that wrk-post.lua adds, when there is one.
 * @param {string} output
 * @returns {{ status429?: number, unexpected?: number }}
 */
function statusCounts(output) {
  const line = output.split('\n').find((l) => l.startsWith('WRK_STATUS '));
  if (!line) return {};
  const counts = /** @type {Record<string, number>} */ (parseJson(line.slice('WRK_STATUS '.length)));
  return { status429: counts['429'], unexpected: counts.unexpected };
}

/**
 * The WRK_TOKENS line that wrk-tokens.lua adds, when there is one: requests that had to reuse a token.
 * @param {string} output
 * @returns {{ tokensReused?: number }}
 */
function tokenCounts(output) {
  const line = output.split('\n').find((l) => l.startsWith('WRK_TOKENS '));
  if (!line) return {};
  const counts = /** @type {Record<string, number>} */ (parseJson(line.slice('WRK_TOKENS '.length)));
  return { tokensReused: counts.reused };
}

/**
 * Reads autocannon's --json result (latencies in ms, duration in s).
 * @param {string} output
 * @param {string} outFile
 */
function parseAutocannon(output, outFile) {
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new BenchError(`no JSON result in autocannon's output; see ${outFile}`);
  const result = /** @type {{ requests: { total: number }, latency: { p50: number, p99: number }, duration: number,
    non2xx: number, errors: number, timeouts: number, statusCodeStats?: Record<string, { count: number }> }} */ (
    parseJson(line)
  );
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    socketErrors: result.errors + result.timeouts,
    // Older autocannon versions have no per-status counts: then the 429s are not known (undefined).
    status429: result.statusCodeStats && (result.statusCodeStats['429']?.count ?? 0),
  };
}

/**
 * JSON.parse, typed `unknown` so that each caller states what it expects.
 * @param {string} text
 * @returns {unknown}
 */
export const parseJson = (text) => JSON.parse(text);

// ---- numbers -----------------------------------------------------------------------------------------------------

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `value` with `digits` decimals, or an em dash when it is not a number.
 * @param {number | undefined} value
 */
export const fmt = (value, digits = 0) => (value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '—');

// ---- PostgreSQL --------------------------------------------------------------------------------------------------

/** Where Debian, pg_config or PATH put initdb and postgres; undefined when they are not installed. */
function findPostgresBin() {
  const candidates = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // No pg_config: look further.
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((name) => /^\d+$/.test(name));
    candidates.push(...majors.sort((a, b) => Number(b) - Number(a)).map((major) => join(debian, major, 'bin')));
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter));
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/**
 * initdb and postgres refuse to run as root: as root they run as the `postgres` user.
 * @returns {{ uid?: number, gid?: number }}
 */
function postgresUser() {
  if (process.getuid?.() !== 0) return {};
  const id = (/** @type {string} */ flag) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A PostgreSQL server of the bench's own (initdb into a temp dir, durability off, on a free loopback port), as the
 * app runs in production: the embedded PGlite would sit in the measured process. Undefined when none is installed;
 * the apps then use embedded databases.
 * @param {string} logFile
 * @returns {Promise<{ child: ChildProcess, url: string, version: string, dir: string } | undefined>}
 */
export async function startPostgres(logFile) {
  const bin = findPostgresBin();
  if (!bin) return undefined;
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-bench-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  execFileSync(join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync'], {
    stdio: 'ignore',
    ...user,
  });
  const port = await freePort();
  const args = ['-D', dir, '-p', String(port), '-k', dir, '-c', `listen_addresses=${HOST}`, '-c', 'fsync=off'];
  const child = startChild(join(bin, 'postgres'), args, { logFile, ...user });
  const url = `postgres://postgres@${HOST}:${port}/postgres`;
  for (const deadline = Date.now() + 15_000; ; await sleep(100)) {
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.end();
      break;
    } catch (error) {
      if (!isRunning(child)) throw new BenchError(`postgres exited at start; see ${logFile}`);
      if (Date.now() > deadline) throw new BenchError(`postgres did not answer: ${String(error)}; see ${logFile}`);
    }
  }
  return { child, url, dir, version: firstLine(join(bin, 'postgres'), ['--version']) };
}

/**
 * An empty database on the bench's server, for one app: its URL.
 * @param {string} adminUrl
 */
export async function createDatabase(adminUrl) {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
