#!/usr/bin/env node
// `npm run bench:ab -- [--rounds N] [--seconds S] [--first] 'label ENV=value …' …`: an A/B of GET /me between
// settings of the built app (dist/), interleaved round by round, each run on a fresh app and a flushed private Redis:
// req/s and the app's CPU per request (utime+stime from /proc, less noisy than req/s on a shared machine). Every
// variant runs REDIS_URL set (mode redis) unless it says otherwise. With --first, every request carries a valid
// token never sent before (as the bench's `redis first`; wrk only). E.g.:
//   npm run bench:ab -- 'redis' 'no-metrics METRICS_ENABLED=false' 'off REVOCATION_CHECK=off'
//   npm run bench:ab -- --first 'redis' 'uncached JWT_VERIFY_CACHE_SIZE=0'
// Two settings are the bench's own: APP_MAIN, another build's main.js (to A/B two commits: copy one's dist/ to a
// folder inside the checkout, so that it finds node_modules), and NODE_FLAGS, node's own flags, comma-separated
// (NODE_OPTIONS refuses some), e.g. 'profiled NODE_FLAGS=--cpu-prof,--cpu-prof-dir=/tmp/prof'.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { MAX_RPS, writeDistinctTokens } from './distinct-tokens.mjs';
import {
  BenchError,
  HOST,
  clockTicksPerSecond,
  findLoadGenerator,
  fmt,
  freePort,
  median,
  processCpuSeconds,
  request,
  runLoad,
  startChild,
  startRedis,
  stopAllChildren,
  stopChild,
  waitForHttp,
} from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNT = { email: 'ab@example.com', password: `ab-${randomBytes(12).toString('hex')}` };
const JWT_SECRET = randomBytes(48).toString('base64');

/** @typedef {{ label: string, env: Record<string, string> }} Variant */

/**
 * 'label A=1 B=2' → { label, env }.
 * @param {string} spec
 * @returns {Variant}
 */
function variantOf(spec) {
  const [label, ...settings] = spec.trim().split(/\s+/);
  const env = Object.fromEntries(
    settings.map((setting) => {
      const at = setting.indexOf('=');
      if (at <= 0) throw new BenchError(`"${setting}" in "${spec}" is not NAME=value`);
      return [setting.slice(0, at), setting.slice(at + 1)];
    }),
  );
  return { label, env };
}

/**
 * One run: a fresh app with `variant`'s settings, a login, a warm-up, then the measured load.
 * @param {Variant} variant
 * @param {{ redis: Redis, redisUrl: string, out: string, seconds: number, ticks: number, first: boolean,
 *   generator: import('./lib.mjs').LoadGenerator }} ctx
 */
async function measure(variant, { redis, redisUrl, out, seconds, ticks, first, generator }) {
  await redis.flushall();
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'revocable-jwt-ab-db-'));
  const logFile = join(out, `app-${variant.label}.log`);
  // The bench's own two settings decide how the app is started; the rest are the app's environment.
  const { APP_MAIN = join(ROOT, 'dist', 'main.js'), NODE_FLAGS, ...settings } = variant.env;
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST,
    PORT: String(port),
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    ALLOW_VOLATILE_REDIS: 'true',
    REDIS_URL: redisUrl,
    DATABASE_DIR: dataDir,
    ...settings,
  };
  const args = [...(NODE_FLAGS ? NODE_FLAGS.split(',') : []), APP_MAIN];
  const app = startChild(process.execPath, args, { env, cwd: out, logFile });
  try {
    await waitForHttp(app, `${base}/me`, logFile);
    await request('POST', `${base}/register`, { body: ACCOUNT });
    const login = await request('POST', `${base}/login`, { body: ACCOUNT });
    const token = /** @type {{ access_token?: string } | undefined} */ (login.body)?.access_token;
    if (login.status !== 200 || !token) throw new BenchError(`${variant.label}: POST /login answered ${login.status}`);
    const load = { url: `${base}/me`, token, connections: 64, outFile: join(out, `load-${variant.label}.txt`) };
    /** @param {number} runSeconds @param {string} name */
    const tokensFor = async (runSeconds, name) => {
      if (!first) return {};
      const tokensFile = join(out, `tokens-${variant.label}-${name}.txt`);
      await writeDistinctTokens(token, JWT_SECRET, MAX_RPS * runSeconds, tokensFile);
      return { tokensFile };
    };
    const warmupTokens = await tokensFor(3, 'warmup');
    const measuredTokens = await tokensFor(seconds, 'measured');
    await runLoad(generator, { ...load, ...warmupTokens, seconds: 3 });
    const pid = /** @type {number} */ (app.pid);
    const cpu0 = processCpuSeconds(pid, ticks);
    const result = await runLoad(generator, { ...load, ...measuredTokens, seconds });
    for (const { tokensFile } of [warmupTokens, measuredTokens]) if (tokensFile) rmSync(tokensFile, { force: true });
    const cpuUs = ((processCpuSeconds(pid, ticks) - cpu0) * 1e6) / result.requests;
    return { rps: result.rps, cpuUs, p99Ms: result.p99Ms, non2xx: result.non2xx };
  } finally {
    await stopChild(app);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '8' },
      first: { type: 'boolean', default: false },
    },
  });
  const variants = positionals.map(variantOf);
  if (variants.length < 2) throw new BenchError("give two variants or more, e.g. 'redis' 'off REVOCATION_CHECK=off'");
  const generator = findLoadGenerator(ROOT);
  if (!generator) throw new BenchError('neither wrk nor autocannon found: apt-get install wrk');
  const out = mkdtempSync(join(tmpdir(), 'revocable-jwt-ab-'));
  mkdirSync(out, { recursive: true });
  const server = await startRedis(join(out, 'redis.log'));
  const redis = new Redis(server.url);
  const ctx = {
    redis,
    redisUrl: server.url,
    out,
    seconds: Number(values.seconds),
    ticks: clockTicksPerSecond(),
    first: values.first,
    generator,
  };
  /** @type {Record<string, { rps: number, cpuUs: number }[]>} */
  const results = Object.fromEntries(variants.map((variant) => [variant.label, []]));
  try {
    for (let round = 1; round <= Number(values.rounds); round += 1) {
      for (const variant of variants) {
        const run = await measure(variant, ctx);
        results[variant.label].push(run);
        console.log(
          `[r${round}] ${variant.label.padEnd(20)} ${fmt(run.rps)} req/s, ${fmt(run.cpuUs, 1)} µs CPU/req, ` +
            `p99 ${fmt(run.p99Ms, 2)} ms, non-2xx ${run.non2xx}`,
        );
      }
    }
  } finally {
    redis.disconnect();
    await stopChild(server.child);
  }
  console.log('\nmedians:');
  for (const [label, runs] of Object.entries(results)) {
    const cpu = runs.map((run) => run.cpuUs);
    console.log(
      `${label.padEnd(20)} ${fmt(median(runs.map((run) => run.rps)))} req/s, ${fmt(median(cpu), 1)} µs CPU/req ` +
        `(${fmt(Math.min(...cpu), 1)}–${fmt(Math.max(...cpu), 1)})`,
    );
  }
  console.log(`logs in ${out}`);
}

main()
  .catch((error) => {
    console.error(error instanceof BenchError ? `bench:ab failed: ${error.message}` : error);
    process.exitCode = 1;
  })
  .finally(() => stopAllChildren().finally(() => process.exit()));
