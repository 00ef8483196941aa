import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import type { Test } from 'supertest';
import { bearer, login, register, getMe } from './support/auth-client.js';
import { freePort, redisBinary, type RunningRedis, stopRedisServer } from './support/redis-server.js';
import { createPki, type Pki } from './support/test-pki.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The app on a TLS-only redis-server (`--port 0`: no plain TCP at all) whose certificate comes from a throwaway
 * private CA: with REDIS_TLS_CA_FILE naming that CA it runs the full flow; without it (the certificate is not
 * trusted) and over plain `redis://` it cannot connect, and answers 503, never 200 or 500.
 *
 * No assertion is about time: every request carries a client timeout, and the server start a deadline.
 */

const REQUEST_TIMEOUT_MS = 3000;
const SERVER_START_TIMEOUT_MS = 10_000;

/** The JSON 503 every store-dependent route answers when Redis cannot be used. */
const STORE_UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'The session store is unavailable; retry shortly',
};

/** One PING over TLS with these TLS options, on a connection that never retries. */
async function pingOverTls(port: number, tls: ConnectionOptions): Promise<string> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    tls,
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    // ioredis may reject with a generic "Connection is closed"; the TLS reason is in the error event.
    throw lastError ?? error;
  } finally {
    client.disconnect();
  }
}

/**
 * A redis-server that listens on TLS only, in `dir`; resolves once a TLS PING with the CA works. A server built
 * without TLS exits at once on `--tls-port`: that fails the suite with its own words.
 */
async function startTlsRedisServer(binary: string, pki: Pki, dir: string): Promise<RunningRedis> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      pki.certFile,
      '--tls-key-file',
      pki.keyFile,
      '--tls-ca-cert-file',
      pki.caFile,
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const server: RunningRedis = { url: `rediss://127.0.0.1:${port}`, port, process: child, dir };
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${binary} exited at start with --tls-port ${port}: it must be built with TLS support (BUILD_TLS=yes; ` +
          `Debian's redis-server 7 is). Its output:\n${output}`,
      );
    }
    try {
      await pingOverTls(port, { ca: pki.ca });
      return server;
    } catch (error) {
      if (Date.now() > deadline) {
        await stopRedisServer(server, 'SIGKILL');
        throw new Error(`${binary} did not answer a TLS PING on port ${port}: ${String(error)}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const timed = (call: Test) => call.timeout(REQUEST_TIMEOUT_MS);

describe('Redis over TLS with a private CA (a TLS-only redis-server)', () => {
  let root: string;
  let pki: Pki;
  let server: RunningRedis | undefined;
  let admin: Redis | undefined;
  /** An app that trusts the CA, and a well-signed access token it issued (same JWT_SECRET as every app here). */
  let trusted: TestApp | undefined;
  let wellSigned: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'revocable-jwt-tls-'));
    pki = createPki(root);
    server = await startTlsRedisServer(redisBinary(), pki, join(root, 'data'));
    admin = new Redis({ host: '127.0.0.1', port: server.port, tls: { ca: pki.ca } });
    await admin.ping();
    trusted = await createTestApp({ REDIS_URL: server.url, REDIS_TLS_CA_FILE: pki.caFile });
    const { email } = await register(trusted.http);
    wellSigned = await login(trusted.http, email);
  });

  afterAll(async () => {
    await trusted?.close();
    await admin?.quit();
    if (server) await stopRedisServer(server, 'SIGKILL');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('serves TLS only: a PING with the CA works, one without it fails verification', async () => {
    const port = (server as RunningRedis).port;
    await expect(pingOverTls(port, { ca: pki.ca })).resolves.toBe('PONG');
    // redis-server sends its CA along (from --tls-ca-cert-file): Node then calls the chain self-signed.
    await expect(pingOverTls(port, {})).rejects.toThrow(
      /self-signed certificate in certificate chain|unable to get local issuer certificate/,
    );
  });

  it('with rediss:// and REDIS_TLS_CA_FILE: ready, and register, login, me, logout (me 401 after) work', async () => {
    const api = trusted as TestApp;
    const { http } = api;
    const statuses: Record<string, number> = {};
    statuses.ready = (await timed(http.get('/health/ready'))).status;
    const { email } = await register(http);
    const accessToken = await login(http, email);
    statuses.me = (await getMe(http, accessToken)).status;
    statuses.logout = (await timed(http.post('/logout').set(bearer(accessToken)))).status;
    statuses.meAfterLogout = (await getMe(http, accessToken)).status;
    statuses.readyAfter = (await timed(http.get('/health/ready'))).status;

    expect(statuses).toEqual({ ready: 200, me: 200, logout: 204, meAfterLogout: 401, readyAfter: 200 });
    // The state is on the TLS server (the only one this app was given), not on the suite's plain test Redis.
    expect((await (admin as Redis).keys(`${api.keyPrefix}*`)).length).toBeGreaterThan(0);
  });

  describe.each([
    ['rediss:// without REDIS_TLS_CA_FILE (the certificate is not trusted)', 'rediss', ''],
    ['redis:// (plain TCP) to the TLS port, even with REDIS_TLS_CA_FILE set', 'redis', 'ca'],
  ])('%s', (_case, scheme, caSetting) => {
    let api: TestApp | undefined;

    beforeAll(async () => {
      const port = (server as RunningRedis).port;
      api = await createTestApp({
        REDIS_URL: `${scheme}://127.0.0.1:${port}`,
        REDIS_TLS_CA_FILE: caSetting === 'ca' ? pki.caFile : '',
      });
    });

    afterAll(async () => {
      await api?.close();
    });

    it('still starts; liveness 200, readiness 503, GET /me with a well-signed token 503 (never 200, never 500)', async () => {
      const { http } = api as TestApp;
      const live = await timed(http.get('/health/live'));
      const ready = await timed(http.get('/health/ready'));
      const me = await getMe(http, wellSigned);

      expect({ live: live.status, ready: ready.status, me: me.status }).toEqual({ live: 200, ready: 503, me: 503 });
      expect(me.body).toEqual(STORE_UNAVAILABLE);
      expect(me.headers['retry-after']).toBe('1');
    });
  });
});
