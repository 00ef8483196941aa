import { randomUUID } from 'node:crypto';
import { PASSWORD, bearer, decodeClaims, register, uniqueEmail } from './support/auth-client.js';
import { CliProcesses, type CliRun } from './support/cli-process.js';
import { createTestDatabase } from './support/postgres-server.js';
import { freePort } from './support/redis-server.js';
import { accessStatus, loginWithAgent, refreshStatus, type TokenPair } from './support/session-client.js';
import { createTestApp, testRedisUrl } from './support/test-app.js';
import { useApp } from './support/use-app.js';

/**
 * The operator CLI, built (`node dist/cli.js`) and run as a child process against the test Redis, under the key
 * prefix of an app running in this process: what the CLI does is checked through the app's HTTP API.
 */

const ADMIN_PASSWORD = 'operator chosen passphrase';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const newPrefix = () => `cli${randomUUID().slice(0, 8)}:`;

const prefix = newPrefix();
const api = useApp(createTestApp, { REDIS_KEY_PREFIX: prefix });
const cli = cliFor(prefix);

afterAll(() => cli.dispose());

function cliFor(prefix: string): CliProcesses {
  return new CliProcesses({
    JWT_SECRET: process.env.JWT_SECRET as string,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
  });
}

/** A successful command: exit 0, exactly one line on stdout, nothing on stderr. */
function expectOneLineSuccess(run: CliRun, line: RegExp): void {
  expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: [] });
  expect(run.out).toEqual([expect.stringMatching(line)]);
}

/** A refused command: exit 1, nothing on stdout, one line (no stack trace) on stderr. */
function expectOneLineFailure(run: CliRun, line: RegExp): void {
  expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: [] });
  expect(run.err).toEqual([expect.stringMatching(line)]);
}

async function auditStatus(token: string): Promise<number> {
  return (await api().http.get('/admin/audit').set(bearer(token))).status;
}

async function loginStatus(email: string, password = PASSWORD): Promise<number> {
  return (await api().http.post('/login').send({ email, password })).status;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('create-admin <email>', () => {
  it('creates an admin (normalising the email like registration) who can log in and read GET /admin/audit, where a plain user gets 403', async () => {
    const email = uniqueEmail();

    const run = await cli.run(['create-admin', `  ${email.toUpperCase()} `], { ADMIN_PASSWORD });

    expectOneLineSuccess(run, new RegExp(`^admin ${escape(email)} \\((${UUID})\\) created$`));
    const admin = await loginWithAgent(api().http, email, 'cli-test', ADMIN_PASSWORD);
    const claims = decodeClaims(admin.access_token);
    expect(run.out[0]).toContain(`(${claims.sub as string})`);
    expect(claims.roles).toEqual(['user', 'admin']);
    expect(await auditStatus(admin.access_token)).toBe(200);

    const plain = await register(api().http);
    const plainSession = await loginWithAgent(api().http, plain.email);
    expect(await auditStatus(plainSession.access_token)).toBe(403);
  });

  it('promotes an existing account: its old token is refused, a fresh login (same password) is an admin, and the change is audited with no actor', async () => {
    const { id, email } = await register(api().http);
    const before = await loginWithAgent(api().http, email);
    expect(await auditStatus(before.access_token)).toBe(403);

    const run = await cli.run(['create-admin', email], { ADMIN_PASSWORD });

    expectOneLineSuccess(run, new RegExp(`^admin ${escape(email)} \\(${id}\\) promoted$`));
    expect(await accessStatus(api().http, before.access_token)).toBe(401);
    expect(await refreshStatus(api().http, before.refresh_token)).toBe(401);
    expect(await loginStatus(email, ADMIN_PASSWORD)).toBe(401);
    const after = await loginWithAgent(api().http, email);
    expect(decodeClaims(after.access_token).roles).toEqual(['user', 'admin']);
    const audit = await api().http.get('/admin/audit').set(bearer(after.access_token)).expect(200);
    expect((audit.body as { entries: unknown[] }).entries).toContainEqual(
      expect.objectContaining({ action: 'roles-change', actorId: null, subjectId: id }),
    );
  });

  it('leaves an account that is already an admin as it is (its sessions too)', async () => {
    const email = uniqueEmail();
    expect((await cli.run(['create-admin', email], { ADMIN_PASSWORD })).code).toBe(0);
    const session = await loginWithAgent(api().http, email, 'cli-test', ADMIN_PASSWORD);

    const again = await cli.run(['create-admin', email], { ADMIN_PASSWORD });

    expectOneLineSuccess(again, new RegExp(`^admin ${escape(email)} \\(${UUID}\\) unchanged`));
    expect(await auditStatus(session.access_token)).toBe(200);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['ADMIN_PASSWORD is not set', {}, /ADMIN_PASSWORD is not set/],
    ['ADMIN_PASSWORD is empty', { ADMIN_PASSWORD: '' }, /ADMIN_PASSWORD is not set/],
    ['ADMIN_PASSWORD is too short', { ADMIN_PASSWORD: 'short' }, /ADMIN_PASSWORD .*8 characters/],
    [
      'ADMIN_PASSWORD is a common password',
      { ADMIN_PASSWORD: 'Password123' },
      /ADMIN_PASSWORD is one of the 49233 most common passwords/,
    ],
  ])('exits 1 with one line and creates nothing when %s', async (_case, env, line) => {
    const email = uniqueEmail();

    const run = await cli.run(['create-admin', email], env);

    expectOneLineFailure(run, line);
    expect(await api().redis.exists(`${api().keyPrefix}email:${email}`)).toBe(0);
    expect(await loginStatus(email, env.ADMIN_PASSWORD)).toBe(401);
  });

  it('exits 1 with one line for an email that registration would refuse', async () => {
    expectOneLineFailure(await cli.run(['create-admin', 'not-an-email'], { ADMIN_PASSWORD }), /email must be an email/);
  });
});

describe('disable, enable and revoke-sessions <email-or-id>', () => {
  it('disable: the account’s access and refresh tokens are refused at once, and it cannot log in', async () => {
    const { id, email } = await register(api().http);
    const session = await loginWithAgent(api().http, email);

    const run = await cli.run(['disable', email]);

    expectOneLineSuccess(run, new RegExp(`^disabled ${escape(email)} \\(${id}\\)`));
    expect(await accessStatus(api().http, session.access_token)).toBe(401);
    expect(await refreshStatus(api().http, session.refresh_token)).toBe(401);
    expect(await loginStatus(email)).toBe(401);
  });

  it('enable (by id): the account can log in again, but the tokens from before it was disabled stay refused', async () => {
    const { id, email } = await register(api().http);
    const session = await loginWithAgent(api().http, email);
    expect((await cli.run(['disable', email])).code).toBe(0);

    const run = await cli.run(['enable', id]);

    expectOneLineSuccess(run, new RegExp(`^enabled ${escape(email)} \\(${id}\\)`));
    const fresh = await loginWithAgent(api().http, email);
    expect(await accessStatus(api().http, fresh.access_token)).toBe(200);
    expect(await accessStatus(api().http, session.access_token)).toBe(401);
    expect(await refreshStatus(api().http, session.refresh_token)).toBe(401);
  });

  it('revoke-sessions: every access and refresh token of the account is refused; it can log in again; other accounts keep theirs', async () => {
    const { id, email } = await register(api().http);
    const sessions: TokenPair[] = [
      await loginWithAgent(api().http, email, 'laptop'),
      await loginWithAgent(api().http, email, 'phone'),
    ];
    const bystander = await register(api().http);
    const bystanderSession = await loginWithAgent(api().http, bystander.email);

    const run = await cli.run(['revoke-sessions', id]);

    expectOneLineSuccess(run, new RegExp(`^revoked every session of ${escape(email)} \\(${id}\\)$`));
    for (const session of sessions) {
      expect(await accessStatus(api().http, session.access_token)).toBe(401);
      expect(await refreshStatus(api().http, session.refresh_token)).toBe(401);
    }
    expect(await accessStatus(api().http, (await loginWithAgent(api().http, email)).access_token)).toBe(200);
    expect(await accessStatus(api().http, bystanderSession.access_token)).toBe(200);
  });

  it.each(['disable', 'enable', 'revoke-sessions'])(
    '%s of an unknown user (by email or id) exits 1 with one line on stderr',
    async (command) => {
      expectOneLineFailure(await cli.run([command, uniqueEmail()]), /^error: no user with email /);
      expectOneLineFailure(await cli.run([command, randomUUID()]), /^error: no user with id /);
    },
  );

  it('refuses a reference that is neither an email nor a user id, with one line', async () => {
    expectOneLineFailure(await cli.run(['disable', 'neither']), /^error: "neither" is neither an email nor a user id$/);
  });

  it('prints the stack trace of a failure only with LOG_LEVEL=debug', async () => {
    const run = await cli.run(['disable', uniqueEmail()], { LOG_LEVEL: 'debug' });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no user with email[^\n]*\n\s+at /);
  });
});

describe('stats', () => {
  const prefix = newPrefix();
  const statsCli = cliFor(prefix);
  const statsApi = useApp(createTestApp, { REDIS_KEY_PREFIX: prefix });

  afterAll(() => statsCli.dispose());

  /** The table's rows, label → value; every value starts in the same column. */
  async function stats(): Promise<Record<string, string>> {
    const run = await statsCli.run(['stats']);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: [] });
    const rows = run.out.map((line) => /^(\S+(?: \S+)*)( {2,})(\S.*)$/.exec(line));
    expect(rows).not.toContain(null);
    const valueColumns = rows.map((row) => (row as RegExpExecArray)[1].length + (row as RegExpExecArray)[2].length);
    expect(new Set(valueColumns).size).toBe(1);
    return Object.fromEntries(rows.map((row) => [(row as RegExpExecArray)[1], (row as RegExpExecArray)[3]]));
  }

  const counts = (table: Record<string, string>) => ({
    'revoked jti': table['revoked jti'],
    'revoked sid': table['revoked sid'],
    'epoch records': table['epoch records'],
    sessions: table.sessions,
    users: table.users,
    'audit entries': table['audit entries'],
  });

  it('reports the store, its used_memory, and the keys under the prefix by kind, as the app writes them', async () => {
    const empty = await stats();
    expect(empty).toMatchObject({ store: 'redis (standalone)', 'key prefix': prefix });
    expect(empty.used_memory).toMatch(/^\d+(\.\d+)?[BKMGT]$/);
    expect(counts(empty)).toEqual({
      'revoked jti': '0',
      'revoked sid': '0',
      'epoch records': '1',
      sessions: '0',
      users: '0',
      'audit entries': '0',
    });

    const alice = await register(statsApi().http);
    const bob = await register(statsApi().http);
    const aliceLaptop = await loginWithAgent(statsApi().http, alice.email, 'laptop');
    await loginWithAgent(statsApi().http, alice.email, 'phone');
    await loginWithAgent(statsApi().http, bob.email);
    await statsApi().http.post('/logout').set(bearer(aliceLaptop.access_token)).expect(204);

    expect(counts(await stats())).toEqual({
      'revoked jti': '1',
      'revoked sid': '1',
      'epoch records': '1',
      sessions: '2',
      users: '2',
      'audit entries': '1',
    });

    expect((await statsCli.run(['revoke-sessions', bob.email])).code).toBe(0);

    expect(counts(await stats())).toEqual({
      'revoked jti': '1',
      'revoked sid': '2',
      'epoch records': '1',
      sessions: '1',
      users: '2',
      'audit entries': '2',
    });
  });
});

describe('without a reachable store', () => {
  it('stats on the in-memory store counts the database and says there are no keys to count, and exits 0', async () => {
    expect((await cli.run(['migrate'], { REDIS_URL: undefined })).code).toBe(0);
    const run = await cli.run(['stats'], { REDIS_URL: undefined });

    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      expect.stringMatching(/^store\s+memory$/),
      expect.stringMatching(/^database\s+postgres$/),
      expect.stringMatching(/^users\s+\d+$/),
      expect.stringMatching(/^audit entries\s+\d+$/),
      expect.stringContaining('no keys to count: no Redis is configured'),
    ]);
  });

  it('a change on the in-memory store is refused (it would vanish with the CLI process): exit 1', async () => {
    const run = await cli.run(['create-admin', uniqueEmail()], { REDIS_URL: undefined, ADMIN_PASSWORD });

    expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: [] });
    expect(run.err.filter((line) => line.startsWith('error:'))).toEqual([
      expect.stringContaining('no Redis is configured'),
    ]);
  });

  // The app waits up to 5 s for a first connection at boot (RedisLifecycle); the bound leaves room beyond that.
  it('with Redis down, a command exits 1 (it does not hang) and ends with one error line', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;

    const run = await cli.run(['disable', uniqueEmail()], { REDIS_URL: down }, 20_000);

    expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: [] });
    expect(run.err.at(-1)).toMatch(/^error: Redis is not reachable/);
  }, 30_000);
});

describe('migrate', () => {
  it('applies every migration to a fresh database, then finds nothing to do', async () => {
    const fresh = { DATABASE_URL: await createTestDatabase() };

    const first = await cli.run(['migrate'], fresh);
    expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: [] });
    expect(first.out).toEqual([
      'applied 0001-accounts',
      'applied 0002-audit-log',
      'applied 0003-store-epoch',
      'up to date: 3 migrations applied',
    ]);

    expectOneLineSuccess(await cli.run(['migrate'], fresh), /^up to date: 3 migrations applied, none of them now$/);
  });

  it('refuses the embedded database (it belongs to the API process), with one line', async () => {
    expectOneLineFailure(
      await cli.run(['migrate'], { DATABASE_URL: undefined }),
      /^error: DATABASE_URL is not set: the embedded database \(DATABASE_DIR\) belongs to the API process/,
    );
  });

  it('exits 1 with one line when the database cannot be reached', async () => {
    const down = { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` };
    const run = await cli.run(['migrate'], down);
    expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: [] });
    expect(run.err.at(-1)).toMatch(/^error: The database is unavailable/);
  });
});

describe('usage errors', () => {
  it.each<[string[], RegExp]>([
    [[], /^Usage: /],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['disable'], /missing required argument 'email-or-id'/],
  ])('`cli %p` exits 1 and says why on stderr', async (args, line) => {
    const run = await cli.run(args);

    expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: [] });
    expect(run.err[0]).toMatch(line);
  });

  it('`cli --help` lists every command and exits 0', async () => {
    const run = await cli.run(['--help']);

    expect(run.code).toBe(0);
    for (const command of ['create-admin', 'disable', 'enable', 'revoke-sessions', 'stats', 'migrate']) {
      expect(run.stdout).toContain(command);
    }
  });
});
