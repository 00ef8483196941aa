import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { PasswordHasher } from '../src/auth/password-hasher.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { UsersService } from '../src/users/users.service.js';
import { compareEntryIds } from '../src/audit/testing/audit-log.contract.js';
import { PASSWORD, bearer, decodeClaims } from './support/auth-client.js';
import {
  accessStatus,
  isIsoTimestamp,
  loginWithAgent,
  newAccount,
  refresh,
  refreshStatus,
  rotate,
  sidOf,
  tokenStatuses,
  type Account,
  type TokenPair,
} from './support/session-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

/** One entry of GET /admin/audit. */
interface AuditEntryBody {
  id: string;
  at: string;
  action: string;
  actorId: string | null;
  subjectId: string;
  sessionId?: string;
  reason?: string;
}

interface AuditPageBody {
  entries: AuditEntryBody[];
  next_cursor: string | null;
}

interface AdminUserBody {
  id: string;
  email: string;
  createdAt: string;
  roles: string[];
  disabled: boolean;
  sessions: number;
}

const ENDED = { access: 401, refresh: 401 };
const WRONG_PASSWORD = 'not the password at all';

/** Asserts a JSON error body that repeats the response's status. */
function expectJsonError(response: Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
}

/** A fresh account given the admin role directly in the store, then logged in (so its token claims the role). */
/** A session opened straight through the service, for an account version no change can exceed. */
async function openBehindTheApi(api: TestApp, userId: string, userAgent: string) {
  const tokens = await api.app.get(SessionsService).open(userId, Number.MAX_SAFE_INTEGER, userAgent);
  if (!tokens) throw new Error('the session did not open');
  return tokens;
}

async function newAdmin(api: TestApp): Promise<Account & { tokens: TokenPair }> {
  const account = await newAccount(api.http);
  await api.app.get(UsersService).update(account.id, { roles: ['user', 'admin'] });
  const tokens = await loginWithAgent(api.http, account.email, 'admin-console');
  expect(decodeClaims(tokens.access_token).roles).toEqual(['user', 'admin']);
  return { ...account, tokens };
}

/** Every admin route, with a valid body where it takes one; `:id` is the subject's id. */
const ADMIN_ROUTES: [string, string, unknown][] = [
  ['GET', '/admin/users/:id', undefined],
  ['POST', '/admin/users/:id/disable', undefined],
  ['POST', '/admin/users/:id/enable', undefined],
  ['POST', '/admin/users/:id/revoke-sessions', undefined],
  ['PUT', '/admin/users/:id/roles', { roles: ['user', 'admin'] }],
  ['GET', '/admin/audit?limit=2', undefined],
];

/** The admin routes that name a user. */
const USER_ROUTES = ADMIN_ROUTES.filter(([, path]) => path.includes(':id'));

function call(http: TestAgent, method: string, path: string, body?: unknown, token?: string) {
  const verb = method.toLowerCase() as 'get' | 'post' | 'put';
  const pending = http[verb](path);
  if (token !== undefined) void pending.set(bearer(token));
  return body === undefined ? pending : pending.send(body as object);
}

function adminClient(http: TestAgent, token: () => string) {
  return {
    getUser: (id: string) => http.get(`/admin/users/${id}`).set(bearer(token())),
    disable: (id: string) => http.post(`/admin/users/${id}/disable`).set(bearer(token())),
    enable: (id: string) => http.post(`/admin/users/${id}/enable`).set(bearer(token())),
    revokeSessions: (id: string) => http.post(`/admin/users/${id}/revoke-sessions`).set(bearer(token())),
    setRoles: (id: string, body: unknown) =>
      http
        .put(`/admin/users/${id}/roles`)
        .set(bearer(token()))
        .send(body as object),
    audit: (query: string) => http.get(`/admin/audit${query}`).set(bearer(token())),
  };
}

/** The whole audit log, newest first, walked through `next_cursor` `limit` entries at a time; checks each page. */
async function walkAudit(
  audit: (query: string) => ReturnType<TestAgent['get']>,
  limit: number,
): Promise<{ entries: AuditEntryBody[]; pages: number }> {
  const entries: AuditEntryBody[] = [];
  let before: string | null = null;
  for (let pages = 1; ; pages += 1) {
    const response = await audit(`?limit=${limit}${before === null ? '' : `&before=${before}`}`);
    expect(response.status).toBe(200);
    const page = response.body as AuditPageBody;
    expect(Object.keys(page).sort()).toEqual(['entries', 'next_cursor']);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.entries);
    if (page.next_cursor === null) return { entries, pages };
    expect(page.entries).toHaveLength(limit);
    expect(page.next_cursor).toBe(page.entries[page.entries.length - 1].id);
    before = page.next_cursor;
    if (pages > 1000) throw new Error('the audit log never ends: next_cursor keeps coming');
  }
}

/** The audit entries about one subject, newest first, without id and time. */
async function auditOf(
  audit: (query: string) => ReturnType<TestAgent['get']>,
  subjectId: string,
): Promise<Omit<AuditEntryBody, 'id' | 'at'>[]> {
  const { entries } = await walkAudit(audit, 500);
  return entries.filter((entry) => entry.subjectId === subjectId).map(({ id: _id, at: _at, ...rest }) => rest);
}

describe('admin routes (Redis store)', () => {
  const api = useApp(createTestApp);
  let admin: Account & { tokens: TokenPair };
  let client: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    admin = await newAdmin(api());
    client = adminClient(api().http, () => admin.tokens.access_token);
  });

  /** A fresh account with one session. */
  async function newUser(userAgent = 'user-device'): Promise<Account & { tokens: TokenPair }> {
    const account = await newAccount(api().http);
    return { ...account, tokens: await loginWithAgent(api().http, account.email, userAgent) };
  }

  const audit = (query: string) => client.audit(query);

  describe('POST /admin/users/:id/disable', () => {
    it("refuses the user's existing access and refresh tokens on the very next request", async () => {
      const { http } = api();
      const user = await newUser();
      const other = await loginWithAgent(http, user.email, 'second-device');
      expect(await accessStatus(http, user.tokens.access_token)).toBe(200);

      const response = await client.disable(user.id);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expect(await tokenStatuses(http, user.tokens)).toEqual(ENDED);
      expect(await tokenStatuses(http, other)).toEqual(ENDED);
      expect(await auditOf(audit, user.id)).toEqual([{ action: 'disable', actorId: admin.id, subjectId: user.id }]);
    });

    it('refuses the login with the same 401 body as a wrong password, and an unknown email', async () => {
      const { http } = api();
      const user = await newUser();
      await client.disable(user.id).expect(204);

      const disabledLogin = await http.post('/login').send({ email: user.email, password: PASSWORD });
      const wrongPassword = await http.post('/login').send({ email: user.email, password: WRONG_PASSWORD });
      const unknownEmail = await http
        .post('/login')
        .send({ email: `nobody-${randomUUID()}@example.com`, password: PASSWORD });

      expectJsonError(disabledLogin, 401);
      expect(disabledLogin.body).toEqual(wrongPassword.body);
      expect(disabledLogin.body).toEqual(unknownEmail.body);
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
    });

    it('refuses /refresh for a disabled account even with a session that is still on record', async () => {
      const { http } = api();
      const user = await newUser();
      await client.disable(user.id).expect(204);
      // A session opened behind the API's back (after the disable): only the disabled flag can refuse it.
      const grant = await openBehindTheApi(api(), user.id, 'opened-after-disable');

      expectJsonError(await refresh(http, grant.refreshToken), 401);
      expectJsonError(await refresh(http, user.tokens.refresh_token), 401);
    });

    it('shows the account as disabled, without sessions, in GET /admin/users/:id', async () => {
      const user = await newUser();
      await client.disable(user.id).expect(204);

      const response = await client.getUser(user.id).expect(200);

      expect(response.body).toEqual({
        id: user.id,
        email: user.email,
        createdAt: expect.any(String),
        roles: ['user'],
        disabled: true,
        sessions: 0,
      });
    });
  });

  describe('POST /admin/users/:id/enable', () => {
    it('lets the user log in again, while the tokens from before the disable stay refused', async () => {
      const { http } = api();
      const user = await newUser();
      await client.disable(user.id).expect(204);

      const response = await client.enable(user.id);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expect(((await client.getUser(user.id).expect(200)).body as AdminUserBody).disabled).toBe(false);
      expect(await tokenStatuses(http, user.tokens)).toEqual(ENDED);
      const fresh = await loginWithAgent(http, user.email, 'after-enable');
      expect(await accessStatus(http, fresh.access_token)).toBe(200);
      expect(await refreshStatus(http, fresh.refresh_token)).toBe(200);
      expect(await accessStatus(http, user.tokens.access_token)).toBe(401);
      expect(await auditOf(audit, user.id)).toEqual([
        { action: 'enable', actorId: admin.id, subjectId: user.id },
        { action: 'disable', actorId: admin.id, subjectId: user.id },
      ]);
    });

    it('leaves the sessions of an enabled account alone when it is enabled again', async () => {
      const { http } = api();
      const user = await newUser();

      await client.enable(user.id).expect(204);

      expect(await accessStatus(http, user.tokens.access_token)).toBe(200);
      expect(((await client.getUser(user.id).expect(200)).body as AdminUserBody).sessions).toBe(1);
    });
  });

  describe('POST /admin/users/:id/revoke-sessions', () => {
    it('refuses every existing access and refresh token of the user, and lets the user log in again', async () => {
      const { http } = api();
      const user = await newUser('laptop');
      const phone = await loginWithAgent(http, user.email, 'phone');
      const bystander = await newUser();
      expect(((await client.getUser(user.id).expect(200)).body as AdminUserBody).sessions).toBe(2);

      const response = await client.revokeSessions(user.id);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expect(await tokenStatuses(http, user.tokens)).toEqual(ENDED);
      expect(await tokenStatuses(http, phone)).toEqual(ENDED);
      expect((await client.getUser(user.id).expect(200)).body).toEqual(
        expect.objectContaining({ disabled: false, sessions: 0 }),
      );
      const fresh = await loginWithAgent(http, user.email, 'after-revoke');
      expect(await accessStatus(http, fresh.access_token)).toBe(200);
      expect(await accessStatus(http, bystander.tokens.access_token)).toBe(200);
      expect(await auditOf(audit, user.id)).toEqual([
        { action: 'revoke-sessions', actorId: admin.id, subjectId: user.id },
      ]);
    });
  });

  describe('PUT /admin/users/:id/roles', () => {
    it('refuses the older tokens; a fresh login carries the new roles and reaches /admin; demoting refuses that token', async () => {
      const { http } = api();
      const user = await newUser();
      await http.get(`/admin/users/${user.id}`).set(bearer(user.tokens.access_token)).expect(403);

      const promoted = await client.setRoles(user.id, { roles: ['user', 'admin'] });
      expect(promoted.status).toBe(204);
      expect(promoted.text).toBe('');

      expect(await tokenStatuses(http, user.tokens)).toEqual(ENDED);
      const asAdmin = await loginWithAgent(http, user.email, 'now-admin');
      expect(decodeClaims(asAdmin.access_token).roles).toEqual(['user', 'admin']);
      const view = await http.get(`/admin/users/${user.id}`).set(bearer(asAdmin.access_token)).expect(200);
      expect((view.body as AdminUserBody).roles).toEqual(['user', 'admin']);
      await http.get('/admin/audit?limit=1').set(bearer(asAdmin.access_token)).expect(200);

      await client.setRoles(user.id, { roles: ['user'] }).expect(204);

      expect(await accessStatus(http, asAdmin.access_token)).toBe(401);
      await http.get(`/admin/users/${user.id}`).set(bearer(asAdmin.access_token)).expect(401);
      expect(await refreshStatus(http, asAdmin.refresh_token)).toBe(401);
      const demoted = await loginWithAgent(http, user.email, 'demoted');
      expect(decodeClaims(demoted.access_token).roles).toEqual(['user']);
      await http.get(`/admin/users/${user.id}`).set(bearer(demoted.access_token)).expect(403);
      expect(await accessStatus(http, demoted.access_token)).toBe(200);

      expect(await auditOf(audit, user.id)).toEqual([
        { action: 'roles-change', actorId: admin.id, subjectId: user.id, reason: expect.stringContaining('user') },
        {
          action: 'roles-change',
          actorId: admin.id,
          subjectId: user.id,
          reason: expect.stringMatching(/user.*admin/),
        },
      ]);
    });

    it('mints the new roles into a refreshed token only through a new login: the old refresh token is refused', async () => {
      const { http } = api();
      const user = await newUser();

      await client.setRoles(user.id, { roles: ['user', 'admin'] }).expect(204);

      expectJsonError(await refresh(http, user.tokens.refresh_token), 401);
      const fresh = await loginWithAgent(http, user.email);
      const rotated = await rotate(http, fresh.refresh_token);
      expect(decodeClaims(rotated.access_token).roles).toEqual(['user', 'admin']);
    });

    it.each<[string, unknown]>([
      ['an unknown role', { roles: ['root'] }],
      ['an unknown role next to a known one', { roles: ['user', 'root'] }],
      ['no roles', { roles: [] }],
      ['a duplicate role', { roles: ['user', 'user'] }],
      ['a string instead of an array', { roles: 'admin' }],
      ['an object instead of an array', { roles: { admin: true } }],
      ['a number in the array', { roles: [1] }],
      ['no roles field', {}],
      ['an extra field', { roles: ['user'], disabled: true }],
    ])('answers 400 for %s, and changes nothing', async (_label, body) => {
      const { http } = api();
      const user = await newUser();

      expectJsonError(await client.setRoles(user.id, body), 400);

      expect(await accessStatus(http, user.tokens.access_token)).toBe(200);
      expect((await client.getUser(user.id).expect(200)).body).toEqual(
        expect.objectContaining({ roles: ['user'], disabled: false, sessions: 1 }),
      );
      expect(await auditOf(audit, user.id)).toEqual([]);
    });
  });

  describe('DELETE /me', () => {
    it('refuses a wrong password with 401 and changes nothing', async () => {
      const { http } = api();
      const user = await newUser();

      const response = await http
        .delete('/me')
        .set(bearer(user.tokens.access_token))
        .send({ password: WRONG_PASSWORD });

      expectJsonError(response, 401);
      expect(await accessStatus(http, user.tokens.access_token)).toBe(200);
      expect((await client.getUser(user.id).expect(200)).body).toEqual(
        expect.objectContaining({ id: user.id, disabled: false, sessions: 1 }),
      );
      expect(await auditOf(audit, user.id)).toEqual([]);
      await rotate(http, user.tokens.refresh_token);
    });

    it('deletes the account: tokens refused, gone for the admin, the email free to register and log in again', async () => {
      const { http } = api();
      const user = await newUser('laptop');
      const phone = await loginWithAgent(http, user.email, 'phone');

      const response = await http.delete('/me').set(bearer(user.tokens.access_token)).send({ password: PASSWORD });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expect(await tokenStatuses(http, user.tokens)).toEqual(ENDED);
      expect(await tokenStatuses(http, phone)).toEqual(ENDED);
      expectJsonError(await client.getUser(user.id), 404);
      // A session of the deleted id opened behind the API's back: the missing account refuses its refresh.
      const grant = await openBehindTheApi(api(), user.id, 'orphan');
      expectJsonError(await refresh(http, grant.refreshToken), 401);

      const again = await http.post('/register').send({ email: user.email, password: PASSWORD }).expect(201);
      const newId = (again.body as Account).id;
      expect(newId).not.toBe(user.id);
      const fresh = await loginWithAgent(http, user.email, 'new-account');
      expect(decodeClaims(fresh.access_token).sub).toBe(newId);
      const me = await http.get('/me').set(bearer(fresh.access_token)).expect(200);
      expect((me.body as Account).id).toBe(newId);
      expect(await accessStatus(http, user.tokens.access_token)).toBe(401);
      expect(await accessStatus(http, phone.access_token)).toBe(401);
      expect(await refreshStatus(http, phone.refresh_token)).toBe(401);
      expect((await client.getUser(newId).expect(200)).body).toEqual(
        expect.objectContaining({ id: newId, email: user.email, roles: ['user'], disabled: false, sessions: 1 }),
      );
      expect(await auditOf(audit, user.id)).toEqual([
        { action: 'account-delete', actorId: user.id, subjectId: user.id },
      ]);
    });
  });

  describe('who may call the admin routes', () => {
    it.each(ADMIN_ROUTES)('a non-admin gets a JSON 403 on %s %s, and nothing changes', async (method, path, body) => {
      const { http } = api();
      const caller = await newUser('not-an-admin');
      const target = await newUser('target');

      const response = await call(http, method, path.replace(':id', target.id), body, caller.tokens.access_token);

      expectJsonError(response, 403);
      expect(await accessStatus(http, target.tokens.access_token)).toBe(200);
      expect(await accessStatus(http, caller.tokens.access_token)).toBe(200);
      expect((await client.getUser(target.id).expect(200)).body).toEqual(
        expect.objectContaining({ roles: ['user'], disabled: false, sessions: 1 }),
      );
      expect(await auditOf(audit, target.id)).toEqual([]);
    });

    it.each(ADMIN_ROUTES)('a request without a token gets a JSON 401 on %s %s', async (method, path, body) => {
      const { http } = api();
      const target = await newUser('target');

      const response = await call(http, method, path.replace(':id', target.id), body);

      expectJsonError(response, 401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(await accessStatus(http, target.tokens.access_token)).toBe(200);
    });

    it.each(ADMIN_ROUTES)('a revoked admin token gets a JSON 401 on %s %s', async (method, path, body) => {
      const { http } = api();
      const other = await newAdmin(api());
      const target = await newUser('target');
      await http.post('/logout').set(bearer(other.tokens.access_token)).expect(204);

      const response = await call(http, method, path.replace(':id', target.id), body, other.tokens.access_token);

      expectJsonError(response, 401);
      expect(await accessStatus(http, target.tokens.access_token)).toBe(200);
    });
  });

  describe('admin self-protection', () => {
    it('answers 409 to an admin disabling themselves, and leaves the admin working', async () => {
      const { http } = api();

      expectJsonError(await client.disable(admin.id), 409);

      expect(await accessStatus(http, admin.tokens.access_token)).toBe(200);
      expect((await client.getUser(admin.id).expect(200)).body).toEqual(
        expect.objectContaining({ roles: ['user', 'admin'], disabled: false }),
      );
    });

    it('answers 409 to an admin removing their own admin role, and leaves the admin working', async () => {
      const { http } = api();

      expectJsonError(await client.setRoles(admin.id, { roles: ['user'] }), 409);

      expect(await accessStatus(http, admin.tokens.access_token)).toBe(200);
      expect((await client.getUser(admin.id).expect(200)).body).toEqual(
        expect.objectContaining({ roles: ['user', 'admin'], disabled: false }),
      );
      expect(await auditOf(audit, admin.id)).toEqual([]);
    });
  });

  describe('unknown and malformed user ids', () => {
    it.each(USER_ROUTES)('answers a JSON 404 on %s %s for an id no account has', async (method, path, body) => {
      const { http } = api();
      const unknown = randomUUID();

      expectJsonError(await call(http, method, path.replace(':id', unknown), body, admin.tokens.access_token), 404);

      expect(await auditOf(audit, unknown)).toEqual([]);
      expectJsonError(await client.getUser(unknown), 404);
    });

    it.each(USER_ROUTES)('answers a JSON 400 on %s %s for an id that is not a UUID', async (method, path, body) => {
      const { http } = api();

      for (const id of ['not-a-uuid', '12345', `${randomUUID()}x`]) {
        expectJsonError(await call(http, method, path.replace(':id', id), body, admin.tokens.access_token), 400);
      }
    });
  });

  describe('GET /admin/users/:id', () => {
    it('answers the account with its roles, flags and live sessions count, and never the password hash', async () => {
      const { http } = api();
      const user = await newUser('one');
      await loginWithAgent(http, user.email, 'two');
      const third = await loginWithAgent(http, user.email, 'three');

      const threeSessions = (await client.getUser(user.id).expect(200)).body as AdminUserBody;
      await http.post('/logout').set(bearer(third.access_token)).expect(204);
      const twoSessions = (await client.getUser(user.id).expect(200)).body as AdminUserBody;

      expect(threeSessions).toEqual({
        id: user.id,
        email: user.email,
        createdAt: expect.any(String),
        roles: ['user'],
        disabled: false,
        sessions: 3,
      });
      expect(isIsoTimestamp(threeSessions.createdAt)).toBe(true);
      expect(twoSessions).toEqual({ ...threeSessions, sessions: 2 });
      expect(JSON.stringify(twoSessions)).not.toMatch(/argon2|passwordHash/);
    });

    it("shows the admin's own account with both roles", async () => {
      const response = await client.getUser(admin.id).expect(200);
      expect(response.body).toEqual(expect.objectContaining({ id: admin.id, roles: ['user', 'admin'] }));
    });
  });

  describe('GET /admin/audit', () => {
    it('records the self-service revocations with the user as actor', async () => {
      const { http } = api();
      const user = await newUser('a');
      const b = await loginWithAgent(http, user.email, 'b');
      const c = await loginWithAgent(http, user.email, 'c');

      await http.post('/logout').set(bearer(user.tokens.access_token)).expect(204);
      await http
        .delete(`/sessions/${sidOf(b)}`)
        .set(bearer(c.access_token))
        .expect(204);
      await http.post('/logout-all').set(bearer(c.access_token)).expect(204);
      const d = await loginWithAgent(http, user.email, 'd');
      const changed = await http
        .post('/me/password')
        .set(bearer(d.access_token))
        .send({ current_password: PASSWORD, new_password: 'another long passphrase' })
        .expect(200);
      await http
        .delete('/me')
        .set(bearer((changed.body as TokenPair).access_token))
        .send({ password: 'another long passphrase' })
        .expect(204);

      expect(await auditOf(audit, user.id)).toEqual([
        { action: 'account-delete', actorId: user.id, subjectId: user.id },
        { action: 'password-change', actorId: user.id, subjectId: user.id },
        { action: 'logout-all', actorId: user.id, subjectId: user.id },
        { action: 'session-end', actorId: user.id, subjectId: user.id, sessionId: sidOf(b) },
        { action: 'logout', actorId: user.id, subjectId: user.id, sessionId: sidOf(user.tokens) },
      ]);
    });

    it('answers entries newest first with ids, ISO times and only the documented fields', async () => {
      const user = await newUser();
      await client.revokeSessions(user.id).expect(204);

      const response = await client.audit('?limit=1').expect(200);
      const page = response.body as AuditPageBody;

      expect(page.entries).toEqual([
        {
          id: expect.stringMatching(/^[1-9]\d*$/),
          at: expect.any(String),
          action: 'revoke-sessions',
          actorId: admin.id,
          subjectId: user.id,
        },
      ]);
      expect(isIsoTimestamp(page.entries[0].at)).toBe(true);
      expect(page.next_cursor).toBe(page.entries[0].id);
    });

    it('walks back through every entry with limit=2 and before=next_cursor, without repeats or gaps', async () => {
      // Entries of its own, so the walk is long enough even if this test runs alone.
      for (let index = 0; index < 5; index += 1) {
        const user = await newUser();
        await client.revokeSessions(user.id).expect(204);
      }
      const everything = await walkAudit(audit, 500);
      expect(everything.pages).toBe(1);

      const { entries, pages } = await walkAudit(audit, 2);

      expect(entries.length).toBeGreaterThanOrEqual(5);
      expect(pages).toBe(Math.ceil(entries.length / 2));
      expect(entries).toEqual(everything.entries);
      const ids = entries.map((entry) => entry.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (let index = 1; index < ids.length; index += 1) expect(compareEntryIds(ids[index - 1], ids[index])).toBe(1);
      const actions = new Set(entries.map((entry) => entry.action));
      for (const action of [
        'logout',
        'logout-all',
        'session-end',
        'password-change',
        'account-delete',
        'disable',
        'enable',
        'roles-change',
        'revoke-sessions',
      ]) {
        expect([action, actions.has(action)]).toEqual([action, true]);
      }
    });

    it.each([
      ['limit=0', '?limit=0'],
      ['limit=501', '?limit=501'],
      ['a limit that is not a number', '?limit=ten'],
      ['a before that is not an entry id', '?before=yesterday'],
    ])('answers a JSON 400 for %s', async (_label, query) => {
      expectJsonError(await client.audit(query), 400);
    });
  });
});

/** A gate a request waits at, between reading the account and minting its token, while the test acts as the admin. */
interface Hold {
  entered: Promise<void>;
  release: () => void;
  restore: () => void;
}

/**
 * Makes the next call of `object[method]` run, then wait until `release()`: deterministic, no timing. On the
 * password check, the login has read the account already; on UsersService.findById, the refresh has.
 */
function holdNextCall<T extends object>(object: T, method: keyof T & string): Hold {
  const original = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
  let signalEntered!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const spy = jest.spyOn(object, method as never).mockImplementationOnce((async (...args: unknown[]) => {
    const result = await original(...args);
    signalEntered();
    await released;
    return result;
  }) as never);
  return { entered, release, restore: () => spy.mockRestore() };
}

describe('a login or refresh in flight while an admin acts on the account (Redis store)', () => {
  const api = useApp(createTestApp);
  let admin: Account & { tokens: TokenPair };
  let client: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    admin = await newAdmin(api());
    client = adminClient(api().http, () => admin.tokens.access_token);
  });

  /** Sends `request`, waits until it reached the hold, runs `act`, then lets the request finish. */
  async function around(hold: Hold, request: () => Promise<Response>, act: () => Promise<void>): Promise<Response> {
    try {
      const pending = request();
      // Should the request never reach the hold (answered before it), the act still runs, after it.
      await Promise.race([hold.entered, pending]);
      await act();
      hold.release();
      return await pending;
    } finally {
      hold.release();
      hold.restore();
    }
  }

  it('(login/disable race) a login whose password check passed before the disable gets no working token', async () => {
    const { http } = api();
    const user = await newAccount(http);

    const response = await around(
      holdNextCall(api().app.get(PasswordHasher), 'verify'),
      () =>
        http
          .post('/login')
          .send({ email: user.email, password: PASSWORD })
          .then((answer) => answer),
      async () => void (await client.disable(user.id).expect(204)),
    );

    const tokens = response.body as TokenPair;
    const outcome = {
      access: response.status === 200 ? await accessStatus(http, tokens.access_token) : 401,
      sessions: ((await client.getUser(user.id).expect(200)).body as AdminUserBody).sessions,
    };
    // Either the login is refused, or whatever it answered is refused at once: the account is disabled.
    expect(outcome).toEqual({ access: 401, sessions: 0 });
  });

  it('(login/demotion race) a login whose password check passed before the demotion gets no admin token', async () => {
    const { http } = api();
    const user = await newAccount(http);
    await api()
      .app.get(UsersService)
      .update(user.id, { roles: ['user', 'admin'] });

    const response = await around(
      holdNextCall(api().app.get(PasswordHasher), 'verify'),
      () =>
        http
          .post('/login')
          .send({ email: user.email, password: PASSWORD })
          .then((answer) => answer),
      async () => void (await client.setRoles(user.id, { roles: ['user'] }).expect(204)),
    );

    const tokens = response.body as TokenPair;
    const adminStatus =
      response.status === 200
        ? (await http.get('/admin/audit?limit=1').set(bearer(tokens.access_token))).status
        : response.status;
    // The user is no longer an admin: a token from this login must not open an admin route.
    expect([401, 403]).toContain(adminStatus);
  });

  it('(refresh/demotion race) a refresh that read the account before the demotion mints no admin token', async () => {
    const { http } = api();
    const user = await newAccount(http);
    await api()
      .app.get(UsersService)
      .update(user.id, { roles: ['user', 'admin'] });
    const before = await loginWithAgent(http, user.email);

    const response = await around(
      holdNextCall(api().app.get(UsersService), 'findById'),
      () => refresh(http, before.refresh_token).then((answer) => answer),
      async () => void (await client.setRoles(user.id, { roles: ['user'] }).expect(204)),
    );

    const tokens = response.body as TokenPair;
    const adminStatus =
      response.status === 200
        ? (await http.get('/admin/audit?limit=1').set(bearer(tokens.access_token))).status
        : response.status;
    expect([401, 403]).toContain(adminStatus);
  });
});

describe('refresh-token reuse (Redis store, REFRESH_REUSE_GRACE 0)', () => {
  const api = useApp(createTestApp, { REFRESH_REUSE_GRACE: '0' });

  it('ends the session and records refresh-reuse with a null actor in GET /admin/audit', async () => {
    const { http } = api();
    const admin = await newAdmin(api());
    const client = adminClient(http, () => admin.tokens.access_token);
    const account = await newAccount(http);
    const stolen = await loginWithAgent(http, account.email, 'victim');
    const rotated = await rotate(http, stolen.refresh_token);

    expectJsonError(await refresh(http, stolen.refresh_token), 401);

    expect(await tokenStatuses(http, rotated)).toEqual(ENDED);
    expect(await auditOf((query) => client.audit(query), account.id)).toEqual([
      {
        action: 'refresh-reuse',
        actorId: null,
        subjectId: account.id,
        sessionId: sidOf(stolen),
        reason: expect.any(String),
      },
    ]);
  });
});
