import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bearer, login, PASSWORD, register, uniqueEmail } from './support/auth-client.js';
import {
  findPostgresBin,
  NO_POSTGRES_MESSAGE,
  removePostgresDir,
  startPostgresServer,
  stopPostgresServer,
  type RunningPostgres,
} from './support/postgres-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createPki, type Pki } from './support/test-pki.js';

/**
 * The app on a PostgreSQL server that takes TCP connections over TLS only (`hostssl`), with a certificate from a
 * throwaway private CA, configured the way Redis TLS is: DATABASE_TLS (or `sslmode=require` in the URL) and
 * DATABASE_TLS_CA_FILE. Trusting that CA, the full flow works; without the CA, or without TLS, no connection is made,
 * and the routes that need the database answer 503 while readiness says the database is down.
 */
describe('the database over TLS', () => {
  const bin = findPostgresBin();
  let dir: string;
  let pki: Pki;
  let server: RunningPostgres;
  let app: TestApp | undefined;

  beforeAll(async () => {
    if (!bin) throw new Error(NO_POSTGRES_MESSAGE);
    dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-pg-tls-'));
    pki = createPki(dir);
    server = await startPostgresServer(bin, { tls: { certFile: pki.certFile, keyFile: pki.keyFile } });
  }, 60_000);

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    if (server) {
      await stopPostgresServer(server);
      removePostgresDir(server);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connections the server holds over TLS, and in all, from clients other than this query's. */
  async function serverConnections(): Promise<{ tls: number; all: number }> {
    const client = new pg.Client({ connectionString: server.url, ssl: { ca: pki.ca } });
    await client.connect();
    try {
      const { rows } = await client.query<{ tls: string; all: string }>(
        `select count(*) filter (where s.ssl) as tls, count(*) as all
           from pg_stat_activity a join pg_stat_ssl s using (pid)
          where a.backend_type = 'client backend' and a.pid <> pg_backend_pid()`,
      );
      return { tls: Number(rows[0].tls), all: Number(rows[0].all) };
    } finally {
      await client.end();
    }
  }

  async function expectFullFlow(api: TestApp): Promise<void> {
    const email = uniqueEmail();
    await register(api.http, email);
    const token = await login(api.http, email);
    await api.http.get('/me').set(bearer(token)).expect(200);
    await api.http.get('/health/ready').expect(200);
  }

  it('migrates and serves with DATABASE_TLS=true and DATABASE_TLS_CA_FILE naming the CA', async () => {
    app = await createTestApp({
      DATABASE_URL: server.url,
      DATABASE_TLS: 'true',
      DATABASE_TLS_CA_FILE: pki.caFile,
    });
    await expectFullFlow(app);
    const connections = await serverConnections();
    expect(connections.all).toBeGreaterThan(0);
    expect(connections.tls).toBe(connections.all);
  });

  it('takes TLS from sslmode=require in DATABASE_URL too, with the same CA file', async () => {
    app = await createTestApp({ DATABASE_URL: `${server.url}?sslmode=require`, DATABASE_TLS_CA_FILE: pki.caFile });
    await expectFullFlow(app);
  });

  it.each([
    ['TLS without the CA (the certificate is not trusted)', { DATABASE_TLS: 'true' }],
    ['no TLS (the server refuses plain connections)', { DATABASE_TLS: 'false' }],
  ])('answers 503 with %s, and readiness says the database is down', async (_case, settings) => {
    app = await createTestApp({ DATABASE_URL: server.url, DATABASE_MIGRATE: 'false', ...settings });
    const registered = await app.http.post('/register').send({ email: uniqueEmail(), password: PASSWORD });
    expect(registered.status).toBe(503);
    expect(registered.headers['retry-after']).toBe('1');
    expect(registered.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    const ready = await app.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error: { database: { status: 'down' } } });
  });
});
