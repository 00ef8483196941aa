import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient } from './support/api-client.js';
import { AppProcesses, appEnv } from './support/app-process.js';
import { PASSWORD, uniqueEmail } from './support/auth-client.js';
import { launchChromium, startPageServer, type PageServer } from './support/browser.js';
import { adminAccessToken } from './support/cli-process.js';
import { testRedisUrl } from './support/redis-server.js';

const REFRESH_KEY = 'revocable-jwt-api.refresh_token';
const ROUNDS = 20;

interface AuthClient {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  login(email: string, password: string): Promise<boolean>;
  refresh(): Promise<boolean>;
  changePassword(currentPassword: string, newPassword: string): Promise<Response>;
}

/** A test page as the callbacks given to page.evaluate() see it: they run in the page, not here. */
interface Frontend {
  authFetch: { createAuthClient(options: { api: string; onLoggedOut: () => void }): AuthClient };
  auth: AuthClient;
  logouts: number;
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  fetch: typeof fetch;
}

/** A POST /refresh a tab sent, as the browser sent it, and the status it got. */
interface SentRefresh {
  tab: number;
  token: string;
  status: number;
}

/** A request from the page: its status, or the error fetch() threw (a TypeError when CORS refused it). */
type Outcome = number | string;

/**
 * The browser client of docs/frontend.md, clients/browser/auth-fetch.js, loaded by a page of another origin (a static server
 * of its own) in Chromium, against the built app with CORS_ORIGINS set to that origin: tabs of one browser sharing
 * localStorage, and every method the API has, called across origins.
 */
describe('the browser client (clients/browser/auth-fetch.js) in Chromium, from another origin', () => {
  const apps = new AppProcesses();
  let browser: Browser;
  let frontend: PageServer;
  let env: Record<string, string>;
  let apiOrigin: string;
  let api: ApiClient;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
    frontend = await startPageServer();
    env = appEnv({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `b${randomUUID().slice(0, 8)}:`,
      CORS_ORIGINS: frontend.origin,
    });
    const { ports } = await apps.startReady(env, [{}]);
    apiOrigin = `http://127.0.0.1:${ports[0]}`;
    api = new ApiClient(ports[0]);
  }, 60_000);

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await frontend?.close();
    await apps.dispose();
  });

  // A fresh browser profile per test: its own localStorage and Web Locks.
  beforeEach(async () => {
    context = await browser.newContext();
  });

  afterEach(async () => {
    await context.close();
  });

  /** A tab of the frontend with the client set up (`auth`), counting the times it reports a logout. */
  async function openTab(origin = frontend.origin): Promise<Page> {
    const tab = await context.newPage();
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => 'authFetch' in globalThis);
    await tab.evaluate((apiUrl) => {
      const page = globalThis as unknown as Frontend;
      page.logouts = 0;
      page.auth = page.authFetch.createAuthClient({ api: apiUrl, onLoggedOut: () => (page.logouts += 1) });
    }, apiOrigin);
    return tab;
  }

  /** Records every POST /refresh the tab sends, with the token in its body and the answer's status. */
  function recordRefreshes(tab: Page, index: number, sent: SentRefresh[]): void {
    tab.on('response', (response) => {
      const request = response.request();
      if (request.method() !== 'POST' || request.url() !== `${apiOrigin}/refresh`) return;
      const { refresh_token: token } = request.postDataJSON() as { refresh_token: string };
      sent.push({ tab: index, token, status: response.status() });
    });
  }

  const refresh = (tab: Page) => tab.evaluate(() => (globalThis as unknown as Frontend).auth.refresh());
  const stored = (tab: Page) =>
    tab.evaluate((key) => (globalThis as unknown as Frontend).localStorage.getItem(key), REFRESH_KEY);
  const logouts = (tab: Page) => tab.evaluate(() => (globalThis as unknown as Frontend).logouts);
  /** GET /me through the client: its status, or the error it threw (LoggedOut, RetryLater). */
  const me = (tab: Page) =>
    tab.evaluate(() =>
      (globalThis as unknown as Frontend).auth.fetch('/me').then(
        (response) => response.status,
        (error: Error) => error.name,
      ),
    );

  async function logIn(tab: Page, email: string): Promise<void> {
    const done = await tab.evaluate(
      ([address, password]) => (globalThis as unknown as Frontend).auth.login(address, password),
      [email, PASSWORD],
    );
    expect(done).toBe(true);
  }

  /** Two tabs (their refreshes recorded in `sent`), a new user logged in by the first, seen by the second. */
  async function twoLoggedInTabs(sent: SentRefresh[]): Promise<Page[]> {
    const tabs = [await openTab(), await openTab()];
    tabs.forEach((tab, index) => recordRefreshes(tab, index, sent));
    const email = uniqueEmail();
    await api.register(email);
    await logIn(tabs[0], email);
    // The second tab opens on a logged-in app: it has seen the login.
    await tabs[1].waitForFunction(
      (key) => (globalThis as unknown as Frontend).localStorage.getItem(key) !== null,
      REFRESH_KEY,
    );
    return tabs;
  }

  describe('two tabs sharing localStorage', () => {
    it(`stay logged in through ${ROUNDS} rounds of both refreshing at once`, async () => {
      const sent: SentRefresh[] = [];
      const tabs = await twoLoggedInTabs(sent);

      let failedRefreshes = 0;
      const meAnswers: Outcome[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const refreshed = await Promise.all(tabs.map(refresh));
        failedRefreshes += refreshed.filter((ok) => !ok).length;
        meAnswers.push(...(await Promise.all(tabs.map(me))));
      }
      const loggedOut = failedRefreshes + (await Promise.all(tabs.map(logouts))).reduce((sum, n) => sum + n, 0);

      // A token already exchanged by the other tab: its localStorage had not caught up when it got the lock.
      const exchangedBy = (tab: number, before: number) =>
        new Set(
          sent
            .slice(0, before)
            .filter((entry) => entry.tab === tab && entry.status === 200)
            .map((e) => e.token),
        );
      const staleFromOther = sent.filter((entry, at) => exchangedBy(1 - entry.tab, at).has(entry.token)).length;
      const ownResent = sent.filter((entry, at) => exchangedBy(entry.tab, at).has(entry.token)).length;
      const refused = sent.filter((entry) => entry.status !== 200).length;
      console.log(
        `two tabs, ${ROUNDS} rounds of refreshing at once: ${sent.length} refreshes sent; ${staleFromOther} read a ` +
          `token the other tab had just exchanged (answered with the same successor); ${ownResent} re-sent a token ` +
          `the tab had exchanged itself; ${refused} refused; ${loggedOut} logouts`,
      );

      expect(loggedOut).toBe(0);
      expect(ownResent).toBe(0);
      expect(refused).toBe(0);
      expect(meAnswers).toEqual(Array<Outcome>(2 * ROUNDS).fill(200));
    });

    it('never sends again a token the tab exchanged itself, when its storage shows one: it sends its successor', async () => {
      const tab = await openTab();
      const sent: SentRefresh[] = [];
      recordRefreshes(tab, 0, sent);
      const email = uniqueEmail();
      await api.register(email);
      await logIn(tab, email);
      const first = await stored(tab);
      expect([await refresh(tab), await refresh(tab)]).toEqual([true, true]);
      const newest = await stored(tab);

      // The storage this tab sees goes back two rotations, as a late write from another tab could put it: sent
      // as it is, the API would take it for a stolen token and end the session.
      await tab.evaluate(
        ([key, token]) => (globalThis as unknown as Frontend).localStorage.setItem(key, token),
        [REFRESH_KEY, first as string],
      );

      expect(await refresh(tab)).toBe(true);
      expect(sent.map((entry) => entry.status)).toEqual([200, 200, 200]);
      expect(sent[2].token).toBe(newest);
      expect(await me(tab)).toBe(200);
      expect(await logouts(tab)).toBe(0);
    });

    it('reads the storage again after a refused refresh, and retries once with what another tab stored', async () => {
      const tab = await openTab();
      const sent: SentRefresh[] = [];
      recordRefreshes(tab, 0, sent);
      const email = uniqueEmail();
      await api.register(email);
      await logIn(tab, email);
      const ended = await stored(tab);
      // Another tab logs in again (a session of its own) and ends this tab's session.
      const other = await api.login(email);
      const sessions = await api.call<{ sid: string; current: boolean }[]>('GET', '/sessions', {
        token: other.access_token,
      });
      const endedSid = sessions.body.find((session) => !session.current)?.sid as string;
      expect((await api.call('DELETE', `/sessions/${endedSid}`, { token: other.access_token })).status).toBe(204);
      // The other tab's login reaches this tab's storage while its refresh is on the way.
      await tab.evaluate(
        ([key, token]) => {
          const page = globalThis as unknown as Frontend;
          const realFetch = page.fetch;
          page.fetch = (input, init) => {
            page.fetch = realFetch;
            page.localStorage.setItem(key, token);
            return realFetch(input, init);
          };
        },
        [REFRESH_KEY, other.refresh_token],
      );

      expect(await refresh(tab)).toBe(true);
      expect(sent).toEqual([
        { tab: 0, token: ended, status: 401 },
        { tab: 0, token: other.refresh_token, status: 200 },
      ]);
      expect(await me(tab)).toBe(200);
      expect(await logouts(tab)).toBe(0);
    });

    it('keeps a tab logged in through a password change in another tab (which ends every session)', async () => {
      const sent: SentRefresh[] = [];
      const tabs = await twoLoggedInTabs(sent);
      expect(await me(tabs[1])).toBe(200);

      const changed = await tabs[0].evaluate(
        ([current, next]) =>
          (globalThis as unknown as Frontend).auth.changePassword(current, next).then((response) => response.status),
        [PASSWORD, `${PASSWORD} and more`],
      );
      const answers = [await me(tabs[1]), await me(tabs[0])];
      console.log(
        `password change in one tab: the other tab's refreshes ${sent
          .filter((entry) => entry.tab === 1)
          .map((entry) => entry.status)
          .join(', ')} (a 401 first when it read its storage before the change reached it, then retried)`,
      );

      expect(changed).toBe(200);
      expect(answers).toEqual([200, 200]);
      expect(await Promise.all(tabs.map(logouts))).toEqual([0, 0]);
    });
  });

  describe('CORS', () => {
    /** One request from the page with fetch() itself, with a bearer token: so every method is preflighted. */
    const call = (tab: Page, method: string, path: string, token: string, body?: unknown): Promise<Outcome> =>
      tab.evaluate(
        ([url, verb, bearer, json]) =>
          (globalThis as unknown as Frontend)
            .fetch(url, {
              method: verb,
              headers:
                json === undefined
                  ? { Authorization: `Bearer ${bearer}` }
                  : { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
              body: json,
            })
            .then(
              (response) => response.status,
              (error: Error) => `${error.name}: ${error.message}`,
            ),
        [`${apiOrigin}${path}`, method, token, body === undefined ? undefined : JSON.stringify(body)] as const,
      );

    it('lets the page call every method the API has, DELETE and the admin PUT included', async () => {
      const tab = await openTab();
      const { id, email } = await api.register();
      const user = await api.login(email);
      const second = await api.login(email);
      const admin = await adminAccessToken(env, (address, password) => api.login(address, password));
      const sessions = await api.call<{ sid: string; current: boolean }[]>('GET', '/sessions', {
        token: user.access_token,
      });
      const secondSid = sessions.body.find((session) => !session.current)?.sid as string;

      const outcomes = {
        'GET /me': await call(tab, 'GET', '/me', user.access_token),
        'HEAD /me': await call(tab, 'HEAD', '/me', user.access_token),
        'GET /sessions': await call(tab, 'GET', '/sessions', user.access_token),
        'DELETE /sessions/:sid': await call(tab, 'DELETE', `/sessions/${secondSid}`, user.access_token),
        'GET /admin/users/:id': await call(tab, 'GET', `/admin/users/${id}`, admin),
        'PUT /admin/users/:id/roles': await call(tab, 'PUT', `/admin/users/${id}/roles`, admin, {
          roles: ['user', 'admin'],
        }),
        'POST /login': await call(tab, 'POST', '/login', '', { email, password: PASSWORD }),
      };
      const fresh = await api.login(email);
      const deleted = await call(tab, 'DELETE', '/me', fresh.access_token, { password: PASSWORD });

      expect({ ...outcomes, 'DELETE /me': deleted }).toEqual({
        'GET /me': 200,
        'HEAD /me': 200,
        'GET /sessions': 200,
        'DELETE /sessions/:sid': 204,
        'GET /admin/users/:id': 200,
        'PUT /admin/users/:id/roles': 204,
        'POST /login': 200,
        'DELETE /me': 204,
      });
      expect((await api.call('GET', '/me', { token: second.access_token })).status).toBe(401);
    });

    it('gets an answer from every route of the OpenAPI document (no preflight refused)', async () => {
      const tab = await openTab();
      const spec = await api.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs-json');
      const { email } = await api.register();
      const token = (await api.login(email)).access_token;
      // The logouts last, so the routes before them see a live token.
      const routes = Object.entries(spec.body.paths)
        .flatMap(([path, operations]) =>
          Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
        )
        .sort((a, b) => Number(a.path.includes('logout')) - Number(b.path.includes('logout')));
      const outcomes: Record<string, Outcome> = {};
      for (const { method, path } of routes) {
        const url = path.replace(/\{[^}]+\}/g, randomUUID());
        outcomes[`${method} ${path}`] = await call(tab, method, url, token, method === 'GET' ? undefined : {});
      }
      console.log(
        `${routes.length} routes called from ${frontend.origin}: ` +
          Object.entries(outcomes)
            .map(([route, outcome]) => `${route} ${outcome}`)
            .join(', '),
      );

      expect(new Set(routes.map((route) => route.method))).toEqual(new Set(['GET', 'POST', 'PUT', 'DELETE']));
      const refused = Object.entries(outcomes).filter(([, outcome]) => typeof outcome !== 'number');
      expect(refused).toEqual([]);
    });

    it('refuses the same calls from an origin CORS_ORIGINS does not list (a TypeError in the page)', async () => {
      const tab = await openTab(frontend.origin.replace('127.0.0.1', 'localhost'));
      const { email } = await api.register();
      const token = (await api.login(email)).access_token;

      for (const method of ['GET', 'DELETE']) {
        expect(await call(tab, method, '/me', token, method === 'GET' ? undefined : { password: PASSWORD })).toMatch(
          /^TypeError/,
        );
      }
      expect((await api.call('GET', '/me', { token })).status).toBe(200);
    });
  });
});
