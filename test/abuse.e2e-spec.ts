import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { PASSWORD, bearer, decodeClaims, register, signUp, uniqueEmail } from './support/auth-client.js';
import {
  AppProcesses,
  EXIT_BOUND_MS,
  READY_BOUND_MS,
  httpCall,
  nonEmptyLines,
  stopGracefully,
  waitForHttp,
  type Exit,
} from './support/app-process.js';
import { freePort, testRedisUrl } from './support/redis-server.js';
import { createTestApp, stateKeys, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WINDOW_SECONDS = 60; // THROTTLE_WINDOW's default, 1m

/**
 * The app's state (accounts, sessions, revocations) under its key prefix, sorted. Throttle counters are left out:
 * every attempt on a credential route counts, refused or not, and is meant to.
 */
function wrongPasswordLogin(http: TestAgent, email: string) {
  return http.post('/login').send({ email, password: 'not the right password' });
}

// The test client connects from loopback: trusted as a proxy, so X-Forwarded-For is each request's client address.
const TRUSTED_PROXY = '127.0.0.1,::1,::ffff:127.0.0.1';
let nextAddress = 0;

/** `count` client addresses (in 10/8) no test here has used yet. */
function addresses(count: number): string[] {
  return Array.from({ length: count }, () => {
    const n = nextAddress++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  });
}

function loginFrom(http: TestAgent, email: string, password: string, address: string) {
  return http.post('/login').set('X-Forwarded-For', address).send({ email, password });
}

/** Sends `body` as raw `application/json` text. */
function postJson(http: TestAgent, path: string, body: string) {
  return http.post(path).set('Content-Type', 'application/json').send(body);
}

/** A 429 in the error shape with a standard `Retry-After` in whole seconds, within the window. */
function expectThrottled(response: Response): void {
  expect(response.status).toBe(429);
  expect(response.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
  const retryAfter = response.headers['retry-after'];
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
}

function expect4xx(response: Response): void {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
}

/** `text` with every printable ASCII character replaced by its fullwidth form (U+FF01..U+FF5E). */
function fullwidth(text: string): string {
  return text.replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0));
}

/** The status line's code of a raw HTTP answer, or 0 when there is none. */
function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3}) /.exec(raw)?.[1] ?? 0);
}

/** The header names and values of a raw HTTP answer, names lower-cased. */
function headersOf(raw: string): [string, string][] {
  const head = raw.split('\r\n\r\n')[0].split('\r\n').slice(1);
  return head.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
}

/**
 * Writes `raw` bytes as they are on a fresh TCP connection and returns everything the server sends back before it
 * closes the connection (every request here says `Connection: close`, and a parse error closes it too).
 */
function rawHttp(port: number, raw: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setEncoding('latin1');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer within 5 s; got: ${JSON.stringify(received)}`)));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.once('error', (error) => (statusOf(received) ? done(received) : fail(error)));
    socket.once('close', () => done(received));
    socket.write(raw, 'latin1');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Throttling
// ---------------------------------------------------------------------------------------------------------------

describe('throttling of the credential routes', () => {
  const apps: TestApp[] = [];
  async function app(env: Record<string, string>): Promise<TestApp> {
    const created = await createTestApp(env);
    apps.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((created) => created.close()));
  });

  describe('per account, from one address (THROTTLE_ACCOUNT_LIMIT 3, THROTTLE_IP_LIMIT 1000)', () => {
    const limits = { THROTTLE_ACCOUNT_LIMIT: '3', THROTTLE_IP_LIMIT: '1000' };

    it('answers 401 to the first 3 wrong-password logins for one email and 429 with Retry-After to the 4th', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);

      for (let attempt = 1; attempt <= 3; attempt++) {
        const response = await wrongPasswordLogin(api.http, email);
        expect({ attempt, status: response.status }).toEqual({ attempt, status: 401 });
      }
      expectThrottled(await wrongPasswordLogin(api.http, email));
    });

    it('keeps answering 429 to the blocked account from that address even with the right password', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      for (let attempt = 1; attempt <= 3; attempt++) await wrongPasswordLogin(api.http, email).expect(401);

      expectThrottled(await api.http.post('/login').send({ email, password: PASSWORD }));
    });

    it('counts the account by its normalised email: other spellings of it share the count', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const spellings = [email, `  ${email.toUpperCase()}  `, fullwidth(email)];
      for (const spelling of spellings) await wrongPasswordLogin(api.http, spelling).expect(401);

      expectThrottled(await wrongPasswordLogin(api.http, email.toUpperCase()));
    });

    it('still answers 401 (not 429) for another email from the same address once one account is blocked', async () => {
      const api = await app(limits);
      const blocked = uniqueEmail();
      for (let attempt = 1; attempt <= 3; attempt++) await wrongPasswordLogin(api.http, blocked).expect(401);
      expectThrottled(await wrongPasswordLogin(api.http, blocked));

      await wrongPasswordLogin(api.http, uniqueEmail()).expect(401);
    });
  });

  describe('failed passwords per account and address, and per account over every address (THROTTLE_ACCOUNT_LIMIT 3, THROTTLE_ACCOUNT_GLOBAL_LIMIT 10, behind a trusted proxy)', () => {
    const limits = {
      THROTTLE_ACCOUNT_LIMIT: '3',
      THROTTLE_ACCOUNT_GLOBAL_LIMIT: '10',
      THROTTLE_IP_LIMIT: '1000',
      TRUST_PROXY: TRUSTED_PROXY,
    };

    it('lets the owner log in from their own address after 3 wrong passwords from each of 3 other addresses, each of which the 4th try stops', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const attackers = addresses(3);

      const statuses = new Map<string, number[]>();
      for (const address of attackers) {
        for (let attempt = 1; attempt <= 4; attempt++) {
          const status = (await wrongPasswordLogin(api.http, email).set('X-Forwarded-For', address)).status;
          statuses.set(address, [...(statuses.get(address) ?? []), status]);
        }
      }

      expect([...statuses.values()]).toEqual(attackers.map(() => [401, 401, 401, 429]));
      await loginFrom(api.http, email, PASSWORD, addresses(1)[0]).expect(200);
    });

    it('stops one address at its 4th try, the right password included, while the owner logs in from elsewhere', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const [attacker, owner] = addresses(2);
      for (let attempt = 1; attempt <= 3; attempt++) {
        await wrongPasswordLogin(api.http, email).set('X-Forwarded-For', attacker).expect(401);
      }

      expectThrottled(await loginFrom(api.http, email, PASSWORD, attacker));
      await loginFrom(api.http, email, PASSWORD, owner).expect(200);
    });

    it('stops a guess spread over 10 addresses at the global limit: an 11th address is 429 even with the right password, for up to THROTTLE_ACCOUNT_GLOBAL_WINDOW', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      for (const address of addresses(10)) {
        await wrongPasswordLogin(api.http, email).set('X-Forwarded-For', address).expect(401);
      }

      const refused = await loginFrom(api.http, email, PASSWORD, addresses(1)[0]);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(WINDOW_SECONDS);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    });

    it('keeps an address the owner logged in from before exempt from the global limit (never from its own pair limit)', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const [home] = addresses(1);
      await loginFrom(api.http, email, PASSWORD, home).expect(200);
      for (const address of addresses(10)) {
        await wrongPasswordLogin(api.http, email).set('X-Forwarded-For', address).expect(401);
      }

      expect((await loginFrom(api.http, email, PASSWORD, addresses(1)[0])).status).toBe(429);
      await loginFrom(api.http, email, PASSWORD, home).expect(200);
    });

    it('counts failures only: 5 right logins, then 3 wrong ones are 401, the 4th is 429', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const [address] = addresses(1);
      for (let attempt = 1; attempt <= 5; attempt++) await loginFrom(api.http, email, PASSWORD, address).expect(200);

      const statuses: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        statuses.push((await wrongPasswordLogin(api.http, email).set('X-Forwarded-For', address)).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    });

    it('lets no more than 3 of 20 concurrent wrong passwords from one address through (a race: the count that matters is extra guesses, 0)', async () => {
      const api = await app(limits);
      const { email } = await register(api.http);
      const [address] = addresses(1);

      const responses = await Promise.all(
        Array.from({ length: 20 }, () => wrongPasswordLogin(api.http, email).set('X-Forwarded-For', address)),
      );
      const counts = { 401: 0, 429: 0, other: 0 };
      for (const { status } of responses) {
        if (status === 401 || status === 429) counts[status] += 1;
        else counts.other += 1;
      }
      console.log(`20 concurrent wrong passwords, limit 3: ${JSON.stringify(counts)}`);

      expect({ extraGuesses: Math.max(0, counts[401] - 3), other: counts.other }).toEqual({
        extraGuesses: 0,
        other: 0,
      });
      expect(counts[401]).toBe(3);
    });
  });

  describe('password checks behind a token, POST /me/password and DELETE /me (the defaults: THROTTLE_ACCOUNT_LIMIT 10, THROTTLE_ACCOUNT_GLOBAL_LIMIT 100, behind a trusted proxy)', () => {
    const limits = {
      THROTTLE_ACCOUNT_LIMIT: '10',
      THROTTLE_ACCOUNT_GLOBAL_LIMIT: '100',
      THROTTLE_IP_LIMIT: '1000',
      TRUST_PROXY: TRUSTED_PROXY,
    };
    const routes = [
      {
        route: 'POST /me/password',
        send: (http: TestAgent, token: string, password: string, address: string) =>
          http
            .post('/me/password')
            .set(bearer(token))
            .set('X-Forwarded-For', address)
            .send({ current_password: password, new_password: `${PASSWORD} renewed` }),
        success: 200,
      },
      {
        route: 'DELETE /me',
        send: (http: TestAgent, token: string, password: string, address: string) =>
          http.delete('/me').set(bearer(token)).set('X-Forwarded-For', address).send({ password }),
        success: 204,
      },
    ];

    it.each(routes)(
      '$route: of 40 wrong passwords the first 10 are 401 and the other 30 429 with Retry-After; then the right one is 429 from that address, accepted from another',
      async ({ send, success }) => {
        const api = await app(limits);
        const session = await signUp(api.http);
        const [attacker, owner] = addresses(2);

        const statuses: number[] = [];
        let last: Response | undefined;
        for (let attempt = 1; attempt <= 40; attempt++) {
          last = await send(api.http, session.accessToken, `wrong password ${attempt}`, attacker);
          statuses.push(last.status);
        }
        expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(30).fill(429)]);
        expectThrottled(last as Response);

        expectThrottled(await send(api.http, session.accessToken, PASSWORD, attacker));
        expect((await send(api.http, session.accessToken, PASSWORD, owner)).status).toBe(success);
      },
    );

    it('is not locked by a login guess spread over many addresses: the owner holding a token still changes the password', async () => {
      const api = await app({ ...limits, THROTTLE_ACCOUNT_GLOBAL_LIMIT: '10' });
      const session = await signUp(api.http);
      for (const address of addresses(10)) {
        await wrongPasswordLogin(api.http, session.email).set('X-Forwarded-For', address).expect(401);
      }
      const [owner] = addresses(1);
      expect((await loginFrom(api.http, session.email, PASSWORD, owner)).status).toBe(429);

      await routes[0].send(api.http, session.accessToken, PASSWORD, owner).expect(200);
    });
  });

  describe('per client address (THROTTLE_IP_LIMIT 5, account limit high)', () => {
    const limits = { THROTTLE_IP_LIMIT: '5', THROTTLE_ACCOUNT_LIMIT: '1000' };

    it('answers 429 to the 6th POST /register from one address, each with a different email, and does not register it', async () => {
      const api = await app(limits);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await api.http.post('/register').send({ email: uniqueEmail(), password: PASSWORD });
        expect({ attempt, status: response.status }).toEqual({ attempt, status: 201 });
      }
      const before = await stateKeys(api);

      expectThrottled(await api.http.post('/register').send({ email: uniqueEmail(), password: PASSWORD }));
      expect(await stateKeys(api)).toEqual(before);
    });

    it('answers 429 to the 6th POST /login from one address, each with a different email', async () => {
      const api = await app(limits);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await wrongPasswordLogin(api.http, uniqueEmail());
        expect({ attempt, status: response.status }).toEqual({ attempt, status: 401 });
      }

      expectThrottled(await wrongPasswordLogin(api.http, uniqueEmail()));
    });

    it('answers 429 to the 6th POST /refresh from one address', async () => {
      const api = await app(limits);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await api.http.post('/refresh').send({ refresh_token: `guess-${attempt}` });
        expect({ attempt, status: response.status }).toEqual({ attempt, status: 401 });
      }

      expectThrottled(await api.http.post('/refresh').send({ refresh_token: 'guess-6' }));
    });

    it('limits POST /refresh by THROTTLE_IP_LIMIT alone, not also by THROTTLE_ACCOUNT_LIMIT (address 5, account 3: the 4th and 5th are not 429)', async () => {
      const api = await app({ THROTTLE_IP_LIMIT: '5', THROTTLE_ACCOUNT_LIMIT: '3' });
      const statuses: number[] = [];
      for (let attempt = 1; attempt <= 6; attempt++) {
        statuses.push((await api.http.post('/refresh').send({ refresh_token: `guess-${attempt}` })).status);
      }

      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });
  });

  describe('across instances sharing one Redis', () => {
    const limits = { THROTTLE_ACCOUNT_LIMIT: '3', THROTTLE_IP_LIMIT: '1000' };

    it('shares the count between two instances with the same REDIS_KEY_PREFIX: 2 attempts on A, 2 on B, the 4th (on B) is 429', async () => {
      const first = await app(limits);
      const second = await app({ ...limits, REDIS_KEY_PREFIX: first.keyPrefix });
      const { email } = await register(first.http);

      await wrongPasswordLogin(first.http, email).expect(401);
      await wrongPasswordLogin(first.http, email).expect(401);
      await wrongPasswordLogin(second.http, email).expect(401);
      expectThrottled(await wrongPasswordLogin(second.http, email));
    });

    it('keeps the counts of instances under different key prefixes apart', async () => {
      const first = await app(limits);
      const other = await app(limits);
      const email = uniqueEmail();
      for (let attempt = 1; attempt <= 3; attempt++) await wrongPasswordLogin(first.http, email).expect(401);
      expectThrottled(await wrongPasswordLogin(first.http, email));

      await wrongPasswordLogin(other.http, email).expect(401);
    });

    it('writes its throttle counters under REDIS_KEY_PREFIX, like every other key', async () => {
      const api = await app(limits);
      await wrongPasswordLogin(api.http, uniqueEmail()).expect(401);

      const mentioningPrefix = await api.redis.keys(`*${api.keyPrefix}*`);
      expect(mentioningPrefix.filter((key) => key.includes('throttle')).length).toBeGreaterThan(0);
      expect(mentioningPrefix.filter((key) => !key.startsWith(api.keyPrefix))).toEqual([]);
    });
  });

  describe('routes that take no credentials', () => {
    it('never throttles GET /me, even far past both limits, while /login is throttled at 2', async () => {
      const api = await app({ THROTTLE_IP_LIMIT: '2', THROTTLE_ACCOUNT_LIMIT: '2' });
      const session = await signUp(api.http);

      const statuses = new Set<number>();
      for (let request = 0; request < 25; request++) {
        statuses.add((await api.http.get('/me').set(bearer(session.accessToken))).status);
      }
      expect([...statuses]).toEqual([200]);

      await wrongPasswordLogin(api.http, session.email).expect(401);
      expectThrottled(await wrongPasswordLogin(api.http, session.email));
    });

    it('never throttles GET /health/live', async () => {
      const api = await app({ THROTTLE_IP_LIMIT: '1', THROTTLE_ACCOUNT_LIMIT: '1' });
      const statuses = new Set<number>();
      for (let request = 0; request < 10; request++) statuses.add((await api.http.get('/health/live')).status);

      expect([...statuses]).toEqual([200]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Security headers, CORS and request ids
// ---------------------------------------------------------------------------------------------------------------

describe('response headers', () => {
  const api = useApp(createTestApp);
  const cors = useApp(createTestApp, { CORS_ORIGINS: 'https://app.example.com' });

  describe('security headers', () => {
    it.each([
      { name: 'a 200 (GET /health/live)', send: () => api().http.get('/health/live'), status: 200 },
      { name: 'a 401 (GET /me without a token)', send: () => api().http.get('/me'), status: 401 },
      { name: 'a 404 (an unknown route)', send: () => api().http.get('/no-such-route'), status: 404 },
    ])('sets the OWASP REST header set for APIs, and no X-Powered-By, on $name', async ({ send, status }) => {
      const response = await send();

      expect(response.status).toBe(status);
      // Terminus's health answers say more ("no-cache, no-store, must-revalidate"); never less than no-store.
      expect(response.headers['cache-control']).toMatch(/\bno-store\b/);
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=[1-9]\d*/);
      expect(response.headers['x-powered-by']).toBeUndefined();
      // helmet's HTML-page headers are for the docs UI only.
      expect(response.headers['cross-origin-opener-policy']).toBeUndefined();
    });

    it('marks token responses as never to be cached (RFC 6749 §5.1)', async () => {
      const credentials = { email: uniqueEmail(), password: PASSWORD };
      await api().http.post('/register').send(credentials).expect(201);
      const login = await api().http.post('/login').send(credentials).expect(200);

      expect(login.headers['cache-control']).toBe('no-store');
    });
  });

  describe('CORS', () => {
    const preflight = (http: TestAgent, origin: string) =>
      http
        .options('/login')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');

    it('answers a preflight from an allowed origin (CORS_ORIGINS) by echoing it, with credentials allowed', async () => {
      const response = await preflight(cors().http, 'https://app.example.com');

      expect(response.status).toBeLessThan(300);
      expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    });

    it('allows and exposes Retry-After on the actual request from an allowed origin', async () => {
      const response = await wrongPasswordLogin(cors().http, uniqueEmail()).set('Origin', 'https://app.example.com');

      expect(response.status).toBe(401);
      expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(response.headers['access-control-expose-headers']).toMatch(/\bRetry-After\b/i);
    });

    it.each(['https://evil.example', 'https://app.example.com.evil.example', 'null'])(
      'gives no Access-Control-Allow-Origin to a preflight or request from origin %s',
      async (origin) => {
        const answers = [
          await preflight(cors().http, origin),
          await cors().http.get('/health/live').set('Origin', origin),
        ];

        for (const response of answers) expect(response.headers['access-control-allow-origin']).toBeUndefined();
      },
    );

    it('sends no CORS header at all without CORS_ORIGINS, to a preflight or a request', async () => {
      const answers = [
        await preflight(api().http, 'https://app.example.com'),
        await api().http.get('/health/live').set('Origin', 'https://app.example.com'),
      ];

      for (const response of answers) {
        expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
    });
  });

  describe('request ids', () => {
    it('gives each response a fresh UUID in x-request-id', async () => {
      const first = await api().http.get('/health/live');
      const second = await api().http.get('/me');

      expect(first.headers['x-request-id']).toMatch(UUID);
      expect(second.headers['x-request-id']).toMatch(UUID);
      expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
    });

    it('echoes the caller X-Request-Id (abc-123), on a success and on an error', async () => {
      const ok = await api().http.get('/health/live').set('X-Request-Id', 'abc-123');
      const refused = await api().http.get('/me').set('X-Request-Id', 'abc-123');

      expect([ok.status, refused.status]).toEqual([200, 401]);
      expect(ok.headers['x-request-id']).toBe('abc-123');
      expect(refused.headers['x-request-id']).toBe('abc-123');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------------------------

describe('hostile input', () => {
  const api = useApp(createTestApp);
  let port: number;

  beforeAll(async () => {
    // createTestApp does not listen; the raw-socket cases need a real port.
    await api().app.listen(0, '127.0.0.1');
    const address = api().app.getHttpServer().address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  describe('oversized Authorization header', () => {
    it.each([
      { method: 'GET', path: '/me' },
      { method: 'POST', path: '/logout' },
    ])(
      'refuses $method $path with a 9000-character Authorization header: 401 "The access token is too large", nothing written',
      async ({ method, path }) => {
        const before = await stateKeys(api());
        const header = `Bearer ${'a'.repeat(9000 - 'Bearer '.length)}`;
        const response = await (method === 'GET' ? api().http.get(path) : api().http.post(path)).set(
          'Authorization',
          header,
        );

        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'The access token is too large',
        });
        expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
        expect(await stateKeys(api())).toEqual(before);
      },
    );
  });

  describe('CR, LF and NUL in header values (raw requests, which Node’s own client refuses to send)', () => {
    const requestWith = (headerLines: string) =>
      `GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\n${headerLines}\r\nConnection: close\r\n\r\n`;

    it('reads "Authorization: Bearer abc\\r\\nX-Injected: 1" as two headers and refuses the token: 401', async () => {
      const before = await stateKeys(api());
      const answer = await rawHttp(port, requestWith('Authorization: Bearer abc\r\nX-Injected: 1'));

      expect(statusOf(answer)).toBe(401);
      expect(await stateKeys(api())).toEqual(before);
    });

    it.each([
      { name: 'a bare CR', value: 'Bearer abc\rX-Injected: 1' },
      { name: 'a NUL byte', value: 'Bearer abc\u0000X-Injected: 1' },
    ])('refuses an Authorization value holding $name with 400 from the HTTP parser', async ({ value }) => {
      const before = await stateKeys(api());
      const answer = await rawHttp(port, requestWith(`Authorization: ${value}`));

      expect(statusOf(answer)).toBe(400);
      expect(await stateKeys(api())).toEqual(before);
    });

    it('refuses an Authorization value holding a bare LF with 400 or 401, never 200 or 500', async () => {
      const answer = await rawHttp(port, requestWith('Authorization: Bearer abc\nX-Injected: 1'));

      expect([400, 401]).toContain(statusOf(answer));
    });

    it('cannot split the response through X-Request-Id: "abc\\r\\nSet-Cookie: injected=1" is echoed as "abc" and sets no cookie', async () => {
      const answer = await rawHttp(port, requestWith('X-Request-Id: abc\r\nSet-Cookie: injected=1'));

      expect(statusOf(answer)).toBe(401);
      const headers = headersOf(answer);
      expect(headers.filter(([name]) => name === 'x-request-id')).toEqual([['x-request-id', 'abc']]);
      expect(headers.filter(([name]) => name === 'set-cookie')).toEqual([]);
    });
  });

  describe('request bodies of POST /register and POST /login', () => {
    const ROUTES = ['/register', '/login'];

    it.each(ROUTES)('refuses POST %s with an email nested 1000 arrays deep: 400, nothing written', async (path) => {
      const before = await stateKeys(api());
      const body = `{"email":${'['.repeat(1000)}${']'.repeat(1000)},"password":"${PASSWORD}"}`;
      const response = await postJson(api().http, path, body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(await stateKeys(api())).toEqual(before);
    });

    it.each(ROUTES)(
      'refuses POST %s with an email nested 7000 arrays deep (still under the 16 KiB body limit): 400, not 500, nothing written',
      async (path) => {
        const body = `{"email":${'['.repeat(7000)}${']'.repeat(7000)},"password":"${PASSWORD}"}`;
        expect(body.length).toBeLessThan(16 * 1024);
        const before = await stateKeys(api());
        const response = await postJson(api().http, path, body);

        expect(response.status).toBe(400);
        expect(await stateKeys(api())).toEqual(before);
      },
    );

    it.each(ROUTES)(
      'refuses POST %s with ~15 KiB of valid but unknown fields: 400 naming them, nothing written',
      async (path) => {
        const body: Record<string, string> = { email: uniqueEmail(), password: PASSWORD };
        for (let field = 0; JSON.stringify(body).length < 15 * 1024; field++) {
          body[`junk_${String(field).padStart(4, '0')}`] = 'x'.repeat(32);
        }
        expect(JSON.stringify(body).length).toBeLessThan(16 * 1024);
        const before = await stateKeys(api());
        const response = await api().http.post(path).send(body);

        expect(response.status).toBe(400);
        expect(response.body.message).toEqual(expect.arrayContaining(['property junk_0000 should not exist']));
        expect(await stateKeys(api())).toEqual(before);
      },
    );

    describe('prototype pollution', () => {
      const payloads = [
        { name: 'a top-level __proto__', body: (email: string) => withFields(email, '"__proto__":{"isAdmin":true}') },
        {
          name: 'a top-level constructor.prototype',
          body: (email: string) => withFields(email, '"constructor":{"prototype":{"isAdmin":true}}'),
        },
        {
          name: 'a nested __proto__',
          body: (email: string) => withFields(email, '"profile":{"__proto__":{"isAdmin":true}}'),
        },
      ];
      const cases = payloads.flatMap((payload) => ROUTES.map((path) => ({ ...payload, path })));

      function withFields(email: string, fields: string): string {
        return `{${fields},"email":"${email}","password":"${PASSWORD}"}`;
      }

      afterEach(() => {
        // Should a case ever pollute, the next ones must not inherit it.
        delete (Object.prototype as Record<string, unknown>).isAdmin;
      });

      it.each(cases)(
        'refuses POST $path with $name: 4xx, Object.prototype untouched, nothing written',
        async ({ path, body }) => {
          const before = await stateKeys(api());
          const response = await postJson(api().http, path, body(uniqueEmail()));

          expect4xx(response);
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
          expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'isAdmin')).toBe(false);
          expect(await stateKeys(api())).toEqual(before);
        },
      );
    });

    describe('unicode lookalike emails', () => {
      it.each([
        {
          name: 'a Cyrillic "а" (U+0430) in the domain',
          spell: (email: string) => email.replace('example', 'exаmple'),
        },
        { name: 'a Cyrillic "е" (U+0435) in the local part', spell: (email: string) => email.replace('user', 'usеr') },
      ])(
        'refuses to register or log in with $name: 400 "email must be plain ASCII", nothing written',
        async ({ spell }) => {
          const account = await register(api().http);
          const lookalike = spell(account.email);
          expect(lookalike).not.toBe(account.email);
          const before = await stateKeys(api());

          for (const path of ROUTES) {
            const response = await api().http.post(path).send({ email: lookalike, password: PASSWORD });
            expect(response.status).toBe(400);
            expect(response.body.message).toEqual(expect.arrayContaining(['email must be plain ASCII']));
          }
          expect(await stateKeys(api())).toEqual(before);
        },
      );

      it('normalises a fullwidth spelling to the ASCII account: register answers 409, login opens a session of that same account', async () => {
        const account = await register(api().http);
        const wide = fullwidth(account.email);
        expect(wide).not.toBe(account.email);

        const again = await api().http.post('/register').send({ email: wide, password: PASSWORD });
        expect(again.status).toBe(409);

        const login = await api().http.post('/login').send({ email: wide, password: PASSWORD });
        expect(login.status).toBe(200);
        expect(decodeClaims((login.body as { access_token: string }).access_token).sub).toBe(account.id);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Common passwords (ASVS 6.2.4)
// ---------------------------------------------------------------------------------------------------------------

describe('common passwords', () => {
  const api = useApp(createTestApp);
  const COMMON = ['password', '12345678', 'qwertyuiop', 'Password1', 'QWERTYUIOP'];

  function expectCommonPasswordRefusal(response: Response, field: string): void {
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: [`${field} is one of the 49233 most common passwords (compared ignoring case); choose another`],
    });
  }

  it.each(COMMON)('refuses to register with %s: 400 naming the rule, nothing written', async (password) => {
    const email = uniqueEmail();
    const before = await stateKeys(api());
    expectCommonPasswordRefusal(await api().http.post('/register').send({ email, password }), 'password');

    expect(await stateKeys(api())).toEqual(before);
    await api().http.post('/register').send({ email, password: PASSWORD }).expect(201);
  });

  it.each(COMMON)(
    'refuses %s as the new password of POST /me/password: 400, the old password and token still work',
    async (password) => {
      const session = await signUp(api().http);
      const response = await api()
        .http.post('/me/password')
        .set(bearer(session.accessToken))
        .send({ current_password: PASSWORD, new_password: password });

      expectCommonPasswordRefusal(response, 'new_password');
      await api().http.get('/me').set(bearer(session.accessToken)).expect(200);
      await api().http.post('/login').send({ email: session.email, password: PASSWORD }).expect(200);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Secrets never in logs
// ---------------------------------------------------------------------------------------------------------------

describe('the built app at LOG_LEVEL=verbose, driven through a whole session', () => {
  const apps = new AppProcesses();
  const secret = randomBytes(32).toString('hex');
  const password = `pw-${randomUUID()}`;
  const email = uniqueEmail();
  const keyPrefix = `logs${randomUUID().slice(0, 8)}:`;
  const secrets: Record<string, string> = { JWT_SECRET: secret, password };
  const statuses: Record<string, number> = {};
  let output = '';
  let exit: Exit | undefined;

  beforeAll(
    async () => {
      const port = await freePort();
      const run = await apps.start({
        JWT_SECRET: secret,
        REDIS_URL: testRedisUrl(),
        REDIS_KEY_PREFIX: keyPrefix,
        LOG_LEVEL: 'verbose',
        PORT: String(port),
        HOST: '127.0.0.1',
      });
      statuses.live = await waitForHttp(run, port, '/health/live');
      const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        httpCall(port, 'POST', path, { body, headers });

      statuses.register = (await json('/register', { email, password })).status;
      const login = await json('/login', { email, password });
      statuses.login = login.status;
      const pair = login.json as { access_token: string; refresh_token: string };
      statuses.wrongPassword = (await json('/login', { email, password: `${password}-wrong` })).status;
      statuses.malformedJson = (await json('/login', `{"email":"${email}","password":${password}`)).status;
      // Its status is asserted in-process above (today a 500, see the nesting bug): here it makes the app log an
      // error while it holds the password, so the checks below cover the error path too.
      await json('/login', `{"email":${'['.repeat(7000)}${']'.repeat(7000)},"password":"${password}"}`);
      statuses.me = (await httpCall(port, 'GET', '/me', { headers: bearer(pair.access_token) })).status;
      const refreshed = await json('/refresh', { refresh_token: pair.refresh_token });
      statuses.refresh = refreshed.status;
      const next = refreshed.json as { access_token: string; refresh_token: string };
      statuses.logout = (await json('/logout', undefined, bearer(next.access_token))).status;
      const forged = jwt.sign({ sub: randomUUID(), sid: randomUUID(), jti: randomUUID() }, `${secret}-forged`);
      statuses.forged = (await httpCall(port, 'GET', '/me', { headers: bearer(forged) })).status;
      Object.assign(secrets, {
        'first access token': pair.access_token,
        'first refresh token': pair.refresh_token,
        'second access token': next.access_token,
        'second refresh token': next.refresh_token,
        'forged token': forged,
        "first access token's signature": pair.access_token.split('.')[2],
      });

      exit = await stopGracefully(run);
      output = `${run.output.stdout}\n${run.output.stderr}`;
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 10_000,
  );

  afterAll(async () => {
    await apps.dispose();
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
  });

  it('answered every step as expected, so the log covers a real session', () => {
    expect(statuses).toEqual({
      live: 200,
      register: 201,
      login: 200,
      wrongPassword: 401,
      malformedJson: 400,
      me: 200,
      refresh: 200,
      logout: 204,
      forged: 401,
    });
  });

  it('exits 0 on SIGTERM', () => {
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('logged at least one line (the check below is not vacuous)', () => {
    expect(nonEmptyLines(output).length).toBeGreaterThan(0);
  });

  it.each([
    'JWT_SECRET',
    'password',
    'first access token',
    'first refresh token',
    'second access token',
    'second refresh token',
    'forged token',
    "first access token's signature",
  ])('never writes the %s to stdout or stderr', (name) => {
    expect(secrets[name]).toEqual(expect.any(String));
    expect(output).not.toContain(secrets[name]);
  });
});
