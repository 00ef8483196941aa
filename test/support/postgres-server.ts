import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
// '.ts': jest's global setup loads this file without the module name mapper.
import { freePort } from './redis-server.ts';

export const NO_POSTGRES_MESSAGE = [
  'The tests need a real PostgreSQL server, and none was found.',
  'Do one of these, then run the tests again:',
  '  - install the server: `sudo apt-get install postgresql` (Debian/Ubuntu), `brew install postgresql` (macOS);',
  '    the tests run its initdb and postgres themselves, in a temporary directory on a free loopback port;',
  '  - or point them at a running one: `docker compose up -d postgres` then',
  '    `DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npm test`.',
].join('\n');

export interface RunningPostgres {
  /** A superuser's URL to the `postgres` database. */
  url: string;
  port: number;
  process: ChildProcess;
  dir: string;
  /** The folder of the server binaries (initdb, postgres). */
  bin: string;
}

/** The PostgreSQL the test run uses (set by jest's global setup): a superuser's URL. */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest, whose global setup starts it');
  return url;
}

/**
 * The folder holding `initdb` and `postgres`: on PATH, or where Debian's packages put them
 * (/usr/lib/postgresql/<major>/bin, the newest major first).
 */
export function findPostgresBin(): string | undefined {
  const onPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = onPath.status === 0 ? [onPath.stdout.trim()] : [];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((name) => /^\d+$/.test(name));
    candidates.push(...majors.sort((a, b) => Number(b) - Number(a)).map((major) => join(debian, major, 'bin')));
  }
  for (const dir of (process.env.PATH ?? '').split(':')) candidates.push(dir);
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user the package created. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('PostgreSQL refuses to run as root, and there is no `postgres` user: `useradd -r postgres`');
  }
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * Runs `initdb` into a fresh temporary directory (or reuses `dir`, already initialised) and starts `postgres` on a
 * free loopback port, durability off (fsync, synchronous_commit: the tests that kill it need no more). It runs in a
 * session of its own, detached from the test run.
 */
export async function startPostgresServer(
  bin: string,
  { port, dir, tls }: { port?: number; dir?: string; tls?: ServerTls } = {},
): Promise<RunningPostgres> {
  const user = serverUser();
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'revocable-jwt-postgres-'));
  if (!dir) {
    if (user) chownSync(dataDir, user.uid, user.gid);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { encoding: 'utf8', ...user },
    );
    if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${init.stderr}`);
  }
  const tlsSettings = tls ? tlsOnly(dataDir, tls, user) : [];
  const serverPort = port ?? (await freePort());
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(serverPort),
      '-k',
      dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
      ...tlsSettings,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...user },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  const url = `postgres://postgres@127.0.0.1:${serverPort}/postgres`;
  // The probe trusts any certificate: it only waits for the server to answer.
  await waitForQuery(tls ? `${url}?sslmode=no-verify` : url, child, () => log);
  return { url, port: serverPort, process: child, dir: dataDir, bin };
}

/** A certificate and its key for a server that accepts TLS connections only. */
export interface ServerTls {
  certFile: string;
  keyFile: string;
}

/**
 * Copies the certificate and key into the data directory, owned by the server's user with the key at 0600 (as
 * PostgreSQL demands), and allows TCP connections over TLS only (`hostssl`). Returns the server's settings.
 */
function tlsOnly(dataDir: string, tls: ServerTls, user: { uid: number; gid: number } | undefined): string[] {
  const cert = join(dataDir, 'server.crt');
  const key = join(dataDir, 'server.key');
  copyFileSync(tls.certFile, cert);
  copyFileSync(tls.keyFile, key);
  chmodSync(key, 0o600);
  const hba = join(dataDir, 'pg_hba.conf');
  writeFileSync(hba, 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
  if (user) for (const file of [cert, key, hba]) chownSync(file, user.uid, user.gid);
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`];
}

/** Stops the server, by the pid started: SIGINT is its fast clean shutdown, SIGKILL (to every process) a crash. */
export async function stopPostgresServer(
  server: RunningPostgres,
  signal: 'SIGINT' | 'SIGKILL' = 'SIGINT',
): Promise<void> {
  const { pid, exitCode, signalCode } = server.process;
  if (pid === undefined || exitCode !== null || signalCode !== null) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  signalPostgres(server, signal);
  await exited;
}

/**
 * Sends `signal` to the server: SIGINT and SIGTERM to the postmaster (it shuts down its children), SIGKILL, SIGSTOP
 * and SIGCONT to the postmaster and every process it started, as when its container is killed or frozen. (Each
 * backend calls setsid(), so a signal to the postmaster's process group would not reach them.)
 */
export function signalPostgres(server: RunningPostgres, signal: NodeJS.Signals): void {
  const pid = server.process.pid as number;
  const pids = signal === 'SIGINT' || signal === 'SIGTERM' ? [pid] : [pid, ...childrenOf(pid)];
  for (const target of pids) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone meanwhile.
    }
  }
}

/** The pids whose parent is `parent`, read from /proc (Linux). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (command) state ppid …": the command may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return children;
}

export function removePostgresDir(server: RunningPostgres): void {
  rmSync(server.dir, { recursive: true, force: true });
}

/**
 * A database of its own for one app or suite, on the test server: nothing another suite writes (accounts, the audit
 * trail, the store's high-water mark) is seen there. Returns its URL.
 */
export async function createTestDatabase(adminUrl = testDatabaseUrl()): Promise<string> {
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
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

async function waitForQuery(url: string, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}) before it answered:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL at ${url} did not answer: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
