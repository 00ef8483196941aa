import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const NO_REDIS_MESSAGE = [
  'The tests need a real Redis or Valkey server, and none was found.',
  'Do one of these, then run the tests again:',
  '  - install a server binary: `sudo apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS);',
  '    the tests start it themselves on a free loopback port;',
  '  - or point them at a running one: `docker compose up -d valkey` then `REDIS_URL=redis://127.0.0.1:6379 npm test`.',
].join('\n');

export interface RunningRedis {
  url: string;
  port: number;
  process: ChildProcess;
  dir: string;
}

/** The Redis the test run uses (set by jest's global setup). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest, whose global setup starts Redis');
  return url;
}

/** The first Redis-compatible server binary on PATH: Valkey first, then Redis. */
export function findServerBinary(): string | undefined {
  return ['valkey-server', 'redis-server'].find((name) => spawnSync(name, ['--version']).status === 0);
}

/**
 * The server binary for suites that start Redis servers of their own (faults, restarts, other configurations): the
 * one the global setup found, or the run fails saying how to get one.
 */
export function redisBinary(): string {
  const binary = process.env.TEST_REDIS_BINARY;
  if (!binary) throw new Error(`This suite starts redis-server processes of its own.\n${NO_REDIS_MESSAGE}`);
  return binary;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a throwaway server on a free loopback port, with its append-only file on (as the app requires; fsync left
 * to the OS: the tests that kill a server ask for `--appendfsync always`). Extra args are passed through, last.
 */
export async function startRedisServer(
  binary: string,
  extraArgs: string[] = [],
  port?: number,
  dir?: string,
): Promise<RunningRedis> {
  const serverPort = port ?? (await freePort());
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'revocable-jwt-redis-'));
  const args = [
    '--port',
    String(serverPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'no',
    '--dir',
    dataDir,
    '--daemonize',
    'no',
  ];
  const child = spawn(binary, [...args, ...extraArgs], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${serverPort}`;
  await waitForPing(url);
  return { url, port: serverPort, process: child, dir: dataDir };
}

export async function stopRedisServer(server: RunningRedis, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (server.process.exitCode === null && server.process.signalCode === null) {
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill(signal);
    await exited;
  }
}

export function removeDataDir(server: RunningRedis): void {
  rmSync(server.dir, { recursive: true, force: true });
}

async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Redis at ${url} did not answer PING: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}
