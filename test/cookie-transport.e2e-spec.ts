import { randomUUID } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ClientRequest } from 'node:http';
import type { Response, Test } from 'supertest';
import { UsersService } from '../src/users/users.service.js';
import { bearer, PASSWORD, register } from './support/auth-client.js';
import type { HttpMethod } from './support/openapi-conformance.js';
import { sidOf, type TokenPair } from './support/session-client.js';
import { createTestApp, stateKeys, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

const ACCESS_COOKIE = '__Host-access_token';
const REFRESH_COOKIE = '__Secure-refresh_token';
const STATE_CHANGING: HttpMethod[] = ['post', 'put', 'patch', 'delete'];

interface Cookie {
  value: string;
  attributes: string[];
}

/** The cookies a response sets, by name, with their attributes. */
function cookiesOf(setCookie: string[] | string | undefined): Record<string, Cookie> {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(
    headers.map((header) => {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const [name, ...value] = pair.split('=');
      return [name, { value: value.join('='), attributes }];
    }),
  );
}

/** What a browser holding both cookies sends to a route under `/refresh`'s path (to any other, only the first). */
function cookieHeader(cookies: Record<string, Cookie>): string {
  return `${ACCESS_COOKIE}=${cookies[ACCESS_COOKIE].value}; ${REFRESH_COOKIE}=${cookies[REFRESH_COOKIE].value}`;
}

interface Victim {
  id: string;
  tokens: TokenPair;
  cookies: Record<string, Cookie>;
}

/** An admin (so that every route, the admin ones included, would act if the request got through), logged in. */
async function loggedInAdmin(api: TestApp): Promise<Victim> {
  const { id, email } = await register(api.http);
  await api.app.get(UsersService).update(id, { roles: ['user', 'admin'] });
  const response = await api.http.post('/login').send({ email, password: PASSWORD }).expect(200);
  return { id, tokens: response.body as TokenPair, cookies: cookiesOf(response.headers['set-cookie']) };
}

/** Every state-changing operation outside `/oauth/`, from the app's own OpenAPI document. */
async function stateChangingRoutes(api: TestApp): Promise<{ method: HttpMethod; path: string }[]> {
  const spec = (await api.http.get('/docs-json').expect(200)).body as OpenAPIObject;
  return Object.entries(spec.paths)
    .filter(([path]) => !path.startsWith('/oauth/'))
    .flatMap(([path, item]) => STATE_CHANGING.filter((method) => item[method]).map((method) => ({ method, path })));
}

/** The route with its parameters filled in with the victim's own ids: a request that got through would act on it. */
function concrete(path: string, victim: Victim): string {
  return path.replace('{id}', victim.id).replace('{sid}', sidOf(victim.tokens));
}

/** Everything the victim's session and account are, as seen from outside: must not move under a refused request. */
async function observable(api: TestApp, victim: Victim) {
  const me = await api.http.get('/me').set('Cookie', cookieHeader(victim.cookies));
  const account = await api.http.get(`/admin/users/${victim.id}`).set(bearer(victim.tokens.access_token));
  return { me: me.status, account: account.body as unknown, keys: await stateKeys(api) };
}

// Bodies a page can send without a CORS preflight (the first three), and others no route takes.
const REFUSED_BODIES: { type: string | undefined; body: string }[] = [
  { type: 'text/plain', body: JSON.stringify({ password: PASSWORD, roles: ['user'] }) },
  { type: 'text/plain;charset=UTF-8', body: 'x' },
  {
    type: 'multipart/form-data; boundary=x',
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
  },
  { type: 'application/x-www-form-urlencoded', body: `password=${encodeURIComponent(PASSWORD)}` },
  { type: 'application/xml', body: '<logout/>' },
  { type: 'application/merge-patch+json', body: '{}' },
  { type: 'application/jsonx', body: '{}' },
  { type: undefined, body: '{}' },
];

/** Sends `body` as it is, with exactly the Content-Type given (none when undefined), and checks that it went so. */
async function sendRaw(request: Test, type: string | undefined, body: string): Promise<Response> {
  // supertest would type a string body as a form, and JSON-encode a Buffer sent with a +json type.
  const response = await (type === undefined
    ? request.send(Buffer.from(body))
    : request.set('Content-Type', type).send(body));
  const sent = (response as Response & { req: ClientRequest }).req;
  expect({ type: sent.getHeader('content-type'), length: Number(sent.getHeader('content-length')) }).toEqual({
    type,
    length: Buffer.byteLength(body),
  });
  return response;
}

describe('cookie transport (AUTH_COOKIE=true)', () => {
  const api = useApp(createTestApp, { AUTH_COOKIE: 'true' });

  async function loginCookies(): Promise<Record<string, Cookie>> {
    const { email } = await register(api().http);
    const response = await api().http.post('/login').send({ email, password: PASSWORD }).expect(200);
    return cookiesOf(response.headers['set-cookie']);
  }

  it('sets __Host-access_token (Path=/) and __Secure-refresh_token (Path=/refresh), HttpOnly, Secure, Strict', async () => {
    const cookies = await loginCookies();
    expect(Object.keys(cookies).sort()).toEqual([REFRESH_COOKIE, ACCESS_COOKIE].sort());
    expect(cookies[ACCESS_COOKIE].attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']),
    );
    // __Host- is taken by the browser only without a Domain.
    expect(cookies[ACCESS_COOKIE].attributes.filter((attribute) => /^domain=/i.test(attribute))).toEqual([]);
    expect(cookies[REFRESH_COOKIE].attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/refresh']),
    );
  });

  it('authenticates with the access-token cookie, and still with a bearer header', async () => {
    const cookies = await loginCookies();
    await api().http.get('/me').set('Cookie', `${ACCESS_COOKIE}=${cookies[ACCESS_COOKIE].value}`).expect(200);
    await api().http.get('/me').set(bearer(cookies[ACCESS_COOKIE].value)).expect(200);
  });

  it('ignores the cookies under their old names (access_token, refresh_token)', async () => {
    const cookies = await loginCookies();
    await api().http.get('/me').set('Cookie', `access_token=${cookies[ACCESS_COOKIE].value}`).expect(401);
    const refresh = await api()
      .http.post('/refresh')
      .set('Cookie', `refresh_token=${cookies[REFRESH_COOKIE].value}`)
      .send({});
    expect(refresh.status).toBe(401);
  });

  it('rotates the refresh token from its cookie with the body {}, and sets the new pair', async () => {
    const cookies = await loginCookies();
    const response = await api()
      .http.post('/refresh')
      .set('Cookie', `${REFRESH_COOKIE}=${cookies[REFRESH_COOKIE].value}`)
      .send({})
      .expect(200);
    const rotated = cookiesOf(response.headers['set-cookie']);
    expect(rotated[REFRESH_COOKIE].value).not.toBe(cookies[REFRESH_COOKIE].value);
    await api().http.get('/me').set('Cookie', `${ACCESS_COOKIE}=${rotated[ACCESS_COOKIE].value}`).expect(200);
  });

  it.each(['/logout', '/logout-all'])(
    'clears both cookies on %s with the attributes a browser needs to accept the clearing cookie',
    async (path) => {
      const cookies = await loginCookies();
      const response = await api()
        .http.post(path)
        .set('Cookie', cookieHeader(cookies))
        .set('X-Requested-With', 'fetch')
        .expect(204);
      const cleared = cookiesOf(response.headers['set-cookie']);
      for (const [name, path] of [
        [ACCESS_COOKIE, '/'],
        [REFRESH_COOKIE, '/refresh'],
      ]) {
        expect({ name, value: cleared[name].value }).toEqual({ name, value: '' });
        // A __Host-/__Secure- cookie without Secure is dropped by the browser, which would keep the old one.
        expect(cleared[name].attributes).toEqual(
          expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', `Path=${path}`, 'Max-Age=0']),
        );
      }
      await api().http.get('/me').set('Cookie', cookieHeader(cookies)).expect(401);
    },
  );

  it('clears both cookies when the account is deleted', async () => {
    const cookies = await loginCookies();
    const response = await api()
      .http.delete('/me')
      .set('Cookie', cookieHeader(cookies))
      .send({ password: PASSWORD })
      .expect(204);
    const cleared = cookiesOf(response.headers['set-cookie']);
    expect([cleared[ACCESS_COOKIE].value, cleared[REFRESH_COOKIE].value]).toEqual(['', '']);
    expect(cleared[ACCESS_COOKIE].attributes).toEqual(expect.arrayContaining(['Secure', 'Path=/']));
  });
});

describe('requests a page of the same site could forge, with the cookie transport', () => {
  const api = useApp(createTestApp, { AUTH_COOKIE: 'true' });
  let routes: { method: HttpMethod; path: string }[];

  beforeAll(async () => {
    routes = await stateChangingRoutes(api());
  });

  it('finds the state-changing routes in the OpenAPI document', () => {
    // A guard against an empty table passing: the routes this suite was written against are all in it.
    expect(routes.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining([
        'post /logout',
        'post /logout-all',
        'post /refresh',
        'post /me/password',
        'delete /me',
        'delete /sessions/{sid}',
        'post /admin/users/{id}/disable',
        'put /admin/users/{id}/roles',
      ]),
    );
  });

  it.each([
    ['the cookies', (victim: Victim) => ({ Cookie: cookieHeader(victim.cookies) })],
    ['a bearer header', (victim: Victim) => bearer(victim.tokens.access_token)],
  ])(
    'answers 415 to every body that is not JSON, on every route, sent with %s, and changes nothing',
    async (_, credentials) => {
      const victim = await loggedInAdmin(api());
      const before = await observable(api(), victim);
      expect(before.me).toBe(200);
      const answers: string[] = [];
      for (const { method, path } of routes) {
        for (const { type, body } of REFUSED_BODIES) {
          const response = await sendRaw(
            api().http[method](concrete(path, victim)).set(credentials(victim)),
            type,
            body,
          );
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          answers.push(`${method} ${path} ${type ?? '(no type)'} → ${response.status}`);
        }
      }
      console.log(`${answers.length} refused bodies, ${routes.length} routes × ${REFUSED_BODIES.length} types`);
      expect(answers.filter((answer) => !answer.endsWith('→ 415'))).toEqual([]);
      expect(await observable(api(), victim)).toEqual(before);
    },
  );

  it('answers 403 to a bodyless request authenticated by the cookies without X-Requested-With, on every route', async () => {
    const victim = await loggedInAdmin(api());
    const before = await observable(api(), victim);
    const answers: string[] = [];
    for (const { method, path } of routes) {
      const response = await api().http[method](concrete(path, victim)).set('Cookie', cookieHeader(victim.cookies));
      expect(response.body).toEqual({
        statusCode: response.status,
        error: expect.any(String),
        message: expect.any(String),
      });
      answers.push(`${method} ${path} → ${response.status}`);
    }
    expect(answers.filter((answer) => !answer.endsWith('→ 403'))).toEqual([]);
    expect(await observable(api(), victim)).toEqual(before);
  });

  it('refuses the finding as reported: POST /logout-all with the cookie and a text/plain body', async () => {
    const victim = await loggedInAdmin(api());
    const response = await api()
      .http.post('/logout-all')
      .set('Cookie', cookieHeader(victim.cookies))
      .set('Content-Type', 'text/plain')
      .send('');
    expect(response.status).toBe(415);
    await api().http.get('/me').set('Cookie', cookieHeader(victim.cookies)).expect(200);
  });

  it('serves the same requests when a script sends them: X-Requested-With, a JSON body or a bearer header', async () => {
    const victim = await loggedInAdmin(api());
    const cookie = cookieHeader(victim.cookies);
    const withHeader = await api().http.post('/refresh').set('Cookie', cookie).set('X-Requested-With', 'fetch');
    expect([withHeader.status, withHeader.text]).toEqual([200, expect.any(String)]);
    const rotated = cookiesOf(withHeader.headers['set-cookie']);
    const cookie2 = cookieHeader(rotated);
    await api().http.post(`/admin/users/${victim.id}/revoke-sessions`).set('Cookie', cookie2).send({}).expect(204);

    const other = await loggedInAdmin(api());
    await api()
      .http.delete(`/sessions/${sidOf(other.tokens)}`)
      .set('Cookie', cookieHeader(other.cookies))
      .set('X-Requested-With', 'XMLHttpRequest')
      .expect(204);
    await api().http.get('/me').set('Cookie', cookieHeader(other.cookies)).expect(401);

    // A bearer header is never sent by the browser on its own: no extra header needed, cookies or not.
    const third = await loggedInAdmin(api());
    await api()
      .http.post('/logout')
      .set(bearer(third.tokens.access_token))
      .set('Cookie', cookieHeader(third.cookies))
      .expect(204);
  });

  it('does not count an ambient Authorization: Basic header as a script mark', async () => {
    const victim = await loggedInAdmin(api());
    await api()
      .http.post('/logout-all')
      .set('Cookie', cookieHeader(victim.cookies))
      .set('Authorization', `Basic ${Buffer.from('staging:password').toString('base64')}`)
      .expect(403);
    await api().http.get('/me').set('Cookie', cookieHeader(victim.cookies)).expect(200);
  });

  it('leaves the /oauth/ routes their form bodies, and they act on the token in the body, never on the cookie', async () => {
    const victim = await loggedInAdmin(api());
    const before = await observable(api(), victim);
    const response = await api()
      .http.post('/oauth/revoke')
      .set('Cookie', cookieHeader(victim.cookies))
      .type('form')
      .send({ token: 'not-a-token' });
    // RFC 7009 §2.2: an unknown token is a 200 with nothing done; the session behind the cookies is untouched.
    expect(response.status).toBe(200);
    expect(await observable(api(), victim)).toEqual(before);
  });
});

describe('unknown routes, with API_PREFIX set and the cookie transport', () => {
  const origin = 'https://app.example.com';
  const api = useApp(createTestApp, { AUTH_COOKIE: 'true', API_PREFIX: 'api', CORS_ORIGINS: origin });

  it.each([
    ['POST', '/oauth/introspect', 'application/x-www-form-urlencoded', 'token=x'],
    ['POST', '/api/no-such-route', 'multipart/form-data; boundary=x', '--x--\r\n'],
    ['PUT', '/api/no-such-route', 'text/plain', 'x'],
    ['DELETE', '/login', 'application/json', '{}'],
    ['POST', '/api/oauth/no-such-route', 'application/xml', '<x/>'],
    ['PATCH', '/api/me', 'text/plain', 'x'],
  ])('answers %s %s (%s) with 404, whatever the body and the cookies', async (method, path, type, body) => {
    const response = await sendRaw(
      api().http[method.toLowerCase() as HttpMethod](path).set('Cookie', `${ACCESS_COOKIE}=x; ${REFRESH_COOKIE}=y`),
      type,
      body,
    );
    expect({ status: response.status, body: response.body as unknown }).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: `Cannot ${method} ${path}` },
    });
  });

  it('scopes the refresh cookie to the prefixed refresh route', async () => {
    const email = `user-${randomUUID()}@example.com`;
    await api().http.post('/api/register').send({ email, password: PASSWORD }).expect(201);
    const response = await api().http.post('/api/login').send({ email, password: PASSWORD });
    expect(cookiesOf(response.headers['set-cookie'])[REFRESH_COOKIE]?.attributes).toContain('Path=/api/refresh');
  });

  it('sends its 415 and 403 with the CORS headers, so the page that sent the request can read why', async () => {
    const form = await api().http.post('/api/login').set('Origin', origin).type('form').send({ email: 'a@b.c' });
    const bodyless = await api().http.post('/api/logout').set('Origin', origin).set('Cookie', `${ACCESS_COOKIE}=x`);
    expect([form.status, bodyless.status]).toEqual([415, 403]);
    expect([form.headers['access-control-allow-origin'], bodyless.headers['access-control-allow-origin']]).toEqual([
      origin,
      origin,
    ]);
  });
});

describe('without the cookie transport (default)', () => {
  const api = useApp(createTestApp);

  it('sets no cookie and ignores an access-token cookie', async () => {
    const { email } = await register(api().http);
    const response = await api().http.post('/login').send({ email, password: PASSWORD }).expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    const token = (response.body as { access_token: string }).access_token;
    await api().http.get('/me').set('Cookie', `${ACCESS_COOKIE}=${token}`).expect(401);
  });

  it('still refuses a text/plain body (415), and asks no X-Requested-With of bearer clients', async () => {
    const { email } = await register(api().http);
    const { access_token } = (await api().http.post('/login').send({ email, password: PASSWORD })).body as TokenPair;
    await api()
      .http.post('/logout-all')
      .set(bearer(access_token))
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(415);
    await api().http.get('/me').set(bearer(access_token)).expect(200);
    await api().http.post('/logout-all').set(bearer(access_token)).expect(204);
  });
});
