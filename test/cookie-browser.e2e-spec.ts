import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AppProcesses, appEnv } from './support/app-process.js';
import { PASSWORD, uniqueEmail } from './support/auth-client.js';
import { launchChromium } from './support/browser.js';
import { freePort, testRedisUrl } from './support/redis-server.js';

const ACCESS_COOKIE = '__Host-access_token';

/** What the tests give fetch(): plain data, as page.evaluate passes it to the page. */
interface SimpleInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A server of HTML pages on a loopback port: `html` gives each URL's page (the origin is what matters here). */
async function pageServer(html: (url: URL) => string = () => ''): Promise<{ server: Server; origin: string }> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = createServer((request, response) => {
    response.setHeader('Content-Type', 'text/html');
    response.end(`<!doctype html><title>page</title>${html(new URL(request.url ?? '/', origin))}`);
  });
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  return { server, origin };
}

/** The attacker's page: a form to the URL in `action`, of the type in `enctype`, whose one field looks like JSON. */
function forgedForm(url: URL): string {
  const attribute = (name: string) => (url.searchParams.get(name) ?? '').replace(/[^\w:/.+-]/g, '');
  return (
    `<form method="POST" action="${attribute('action')}" enctype="${attribute('enctype')}">` +
    `<input name='{"a":"' value='"}'><button>Win a prize</button></form>`
  );
}

/**
 * Chromium against the built app with the cookie transport. The frontend (listed in CORS_ORIGINS) and the attacker's
 * page are served from localhost on ports of their own: the same site as the API (a site ignores the port), as a
 * sibling subdomain would be, so SameSite=Strict lets the browser attach the cookies to the attacker's requests.
 * What stops them must be the API's own rules: JSON bodies only, and X-Requested-With (or JSON) on cookie requests.
 */
describe('the cookie transport in a browser, against a page of the same site', () => {
  const apps = new AppProcesses();
  let api: string;
  let frontend: { server: Server; origin: string };
  let attacker: { server: Server; origin: string };
  let browser: Browser;
  let context: BrowserContext;
  let app: Page;

  /** fetch() from the frontend page, credentials included; the status and the body's text. */
  function call(path: string, init: SimpleInit = {}): Promise<{ status: number; text: string }> {
    return app.evaluate(
      async ({ url, init }) => {
        const response = await fetch(url, { ...init, credentials: 'include' });
        return { status: response.status, text: await response.text() };
      },
      { url: `${api}${path}`, init },
    );
  }

  /** The status the API gave a request the attacker's page made (which the page itself cannot read). */
  async function forged(at: string, attack: (page: Page) => Promise<unknown>, path: string) {
    const page = await context.newPage();
    await page.goto(at);
    const answered = page.waitForResponse((response) => response.url() === `${api}${path}`);
    await attack(page);
    const response = await answered;
    const headers = await response.request().allHeaders();
    // Left open until the browser closes: closing a page that has just navigated to the API's answer hung for the
    // rest of the test in about one run in three (Chromium 156, playwright-core 1.65).
    return { status: response.status(), sentCookie: (headers.cookie ?? '').includes(`${ACCESS_COOKIE}=`) };
  }

  beforeAll(async () => {
    frontend = await pageServer();
    attacker = await pageServer(forgedForm);
    const { ports } = await apps.startReady(
      appEnv({
        REDIS_URL: testRedisUrl(),
        REDIS_KEY_PREFIX: `browser${randomUUID().slice(0, 8)}:`,
        AUTH_COOKIE: 'true',
        CORS_ORIGINS: frontend.origin,
      }),
      [{}],
    );
    api = `http://localhost:${ports[0]}`;
    browser = await launchChromium();
    context = await browser.newContext();
    app = await context.newPage();
    await app.goto(`${frontend.origin}/`);
    const email = uniqueEmail();
    const json = { 'Content-Type': 'application/json' };
    expect(
      (await call('/register', { method: 'POST', headers: json, body: JSON.stringify({ email, password: PASSWORD }) }))
        .status,
    ).toBe(201);
    expect(
      (await call('/login', { method: 'POST', headers: json, body: JSON.stringify({ email, password: PASSWORD }) }))
        .status,
    ).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await apps.dispose();
    frontend?.server.close();
    attacker?.server.close();
  });

  it('keeps both cookies in the browser under their prefixed names', async () => {
    const cookies = await context.cookies();
    expect(cookies.map(({ name, path, secure, httpOnly }) => ({ name, path, secure, httpOnly }))).toEqual(
      expect.arrayContaining([
        { name: ACCESS_COOKIE, path: '/', secure: true, httpOnly: true },
        { name: '__Secure-refresh_token', path: '/refresh', secure: true, httpOnly: true },
      ]),
    );
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['multipart/form-data', 'multipart/form-data'],
    ['url-encoded', 'application/x-www-form-urlencoded'],
  ])('refuses a %s form the attacker page posts to /logout-all, cookie attached: 415', async (_, enctype) => {
    const form = new URL('/form', attacker.origin);
    form.search = new URLSearchParams({ action: `${api}/logout-all`, enctype }).toString();
    const attempt = await forged(form.href, (page) => page.click('button'), '/logout-all');
    expect(attempt).toEqual({ status: 415, sentCookie: true });
    expect((await call('/me')).status).toBe(200);
  });

  it('refuses a bodyless no-cors fetch to /logout-all, cookie attached, its X-Requested-With dropped by the browser: 403', async () => {
    const attempt = await forged(
      `${attacker.origin}/`,
      (page) =>
        page.evaluate(
          (url) =>
            fetch(url, {
              method: 'POST',
              mode: 'no-cors',
              credentials: 'include',
              headers: { 'X-Requested-With': 'x' },
            }),
          `${api}/logout-all`,
        ),
      '/logout-all',
    );
    // 403 is the answer to a request that carried the cookie (without one: 401), though the browser reports no
    // Cookie header to playwright for a no-cors request.
    expect(attempt.status).toBe(403);
    expect((await call('/me')).status).toBe(200);
  });

  it("blocks the attacker page's cors fetch with X-Requested-With at its preflight", async () => {
    const page = await context.newPage();
    await page.goto(`${attacker.origin}/`);
    const outcome = await page.evaluate(
      (url) =>
        fetch(url, { method: 'POST', credentials: 'include', headers: { 'X-Requested-With': 'x' } }).then(
          (response) => `answered ${response.status}`,
          () => 'blocked',
        ),
      `${api}/logout-all`,
    );
    expect(outcome).toBe('blocked');
    expect((await call('/me')).status).toBe(200);
  });

  it('serves the frontend with X-Requested-With (through the preflight), then clears the cookies on logout', async () => {
    const script = { 'X-Requested-With': 'fetch' };
    const refreshed = await call('/refresh', { method: 'POST', headers: script });
    expect(refreshed.status).toBe(200);
    expect((await call('/me')).status).toBe(200);
    expect((await call('/logout', { method: 'POST', headers: script })).status).toBe(204);
    // The browser took the clearing cookies (a prefixed one without Secure would have been dropped).
    expect((await context.cookies()).map(({ name }) => name)).toEqual([]);
    expect((await call('/me')).status).toBe(401);
  });
});
