import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import type { Test } from 'supertest';
import { UsersService } from '../src/users/users.service.js';
import { AppProcesses } from './support/app-process.js';
import { bearer, PASSWORD, uniqueEmail } from './support/auth-client.js';
import { SpecConformance, type HttpMethod } from './support/openapi-conformance.js';
import { testRedisUrl } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

const HTTP_METHODS: HttpMethod[] = ['get', 'put', 'post', 'delete', 'patch'];
const BEARER_REQUIRED = 'Bearer error="invalid_token", error_description="A bearer token is required"';

async function specOf(api: TestApp, path = '/docs-json'): Promise<OpenAPIObject> {
  const response = await api.http.get(path).expect(200);
  return response.body as OpenAPIObject;
}

function operationsOf(spec: OpenAPIObject): { method: HttpMethod; path: string }[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ method, path })),
  );
}

describe('OpenAPI documentation generated from the code', () => {
  const api = useApp(createTestApp);
  let spec: OpenAPIObject;
  let conformance: SpecConformance;

  /** Sends the request and checks both the status the journey expects and that the answer is the documented one. */
  async function expectDocumented(method: HttpMethod, path: string, status: number, request: Test) {
    const answer = await request;
    expect({ status: answer.status, body: answer.body as unknown }).toMatchObject({ status });
    expect(conformance.problemsOf(method, path, answer)).toEqual([]);
    return answer;
  }

  async function loggedIn(email: string, userAgent = 'openapi-journey') {
    const response = await api().http.post('/login').set('user-agent', userAgent).send({ email, password: PASSWORD });
    return response.body as { access_token: string; refresh_token: string };
  }

  beforeAll(async () => {
    spec = await specOf(api());
    conformance = new SpecConformance(spec);
  });

  it('serves a valid OpenAPI 3 document without a token', async () => {
    await expect(SwaggerParser.validate(structuredClone(spec) as never)).resolves.toBeDefined();
    expect(spec.openapi).toMatch(/^3\./);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(spec.info.version).toBe(manifest.version);
  });

  it('asks for a bearer token on exactly the operations that refuse a request without one', async () => {
    for (const { method, path } of operationsOf(spec)) {
      const response = await api().http[method](path.replace(/\{[^}]+\}/g, randomUUID()));
      const refusedForNoToken = response.status === 401 && response.headers['www-authenticate'] === BEARER_REQUIRED;
      const documented = (conformance.operation(method, path).security ?? []).some((scheme) => 'bearer' in scheme);
      expect({ operation: `${method} ${path}`, documented }).toEqual({
        operation: `${method} ${path}`,
        documented: refusedForNoToken,
      });
    }
  });

  it('states the password limits the validator enforces', async () => {
    const password = (spec.components?.schemas?.RegisterDto as SchemaObject).properties?.password as SchemaObject;
    const shortest = password.minLength as number;

    await expectDocumented(
      'post',
      '/register',
      400,
      api()
        .http.post('/register')
        .send({ email: uniqueEmail(), password: 'p'.repeat(shortest - 1) }),
    );
    await expectDocumented(
      'post',
      '/register',
      201,
      api()
        .http.post('/register')
        .send({ email: uniqueEmail(), password: 'p'.repeat(shortest) }),
    );
    await expectDocumented(
      'post',
      '/register',
      400,
      api()
        .http.post('/register')
        .send({ email: uniqueEmail(), password: 'p'.repeat((password.maxLength as number) + 1) }),
    );
  });

  it('answers the account routes as documented', async () => {
    const email = uniqueEmail();
    const http = api().http;
    await expectDocumented('post', '/register', 201, http.post('/register').send({ email, password: PASSWORD }));
    await expectDocumented('post', '/register', 409, http.post('/register').send({ email, password: PASSWORD }));
    await expectDocumented('post', '/register', 400, http.post('/register').send({ email, password: PASSWORD, x: 1 }));
    await expectDocumented('post', '/login', 401, http.post('/login').send({ email, password: 'wrong password' }));
    await expectDocumented('post', '/login', 400, http.post('/login').send({ email: 'not an email', password: '' }));
    const login = await expectDocumented(
      'post',
      '/login',
      200,
      http.post('/login').send({ email, password: PASSWORD }),
    );
    const { access_token: token } = login.body as { access_token: string };

    await expectDocumented('get', '/me', 200, http.get('/me').set(bearer(token)));
    await expectDocumented('get', '/me', 401, http.get('/me'));
    await expectDocumented(
      'post',
      '/me/password',
      401,
      http
        .post('/me/password')
        .set(bearer(token))
        .send({ current_password: 'wrong password', new_password: 'another passphrase' }),
    );
    const changed = await expectDocumented(
      'post',
      '/me/password',
      200,
      http
        .post('/me/password')
        .set(bearer(token))
        .send({ current_password: PASSWORD, new_password: `${PASSWORD}!` }),
    );
    const { access_token: fresh } = changed.body as { access_token: string };
    await expectDocumented('delete', '/me', 401, http.delete('/me').set(bearer(fresh)).send({ password: PASSWORD }));
    await expectDocumented('delete', '/me', 400, http.delete('/me').set(bearer(fresh)).send({}));
    await expectDocumented(
      'delete',
      '/me',
      204,
      http
        .delete('/me')
        .set(bearer(fresh))
        .send({ password: `${PASSWORD}!` }),
    );
  });

  it('answers the session and refresh routes as documented', async () => {
    const email = uniqueEmail();
    const http = api().http;
    await http.post('/register').send({ email, password: PASSWORD }).expect(201);
    const first = await loggedIn(email);
    const second = await loggedIn(email);

    const listed = await expectDocumented(
      'get',
      '/sessions',
      200,
      http.get('/sessions').set(bearer(first.access_token)),
    );
    const other = (listed.body as { sid: string; current: boolean }[]).find((session) => !session.current);
    await expectDocumented(
      'delete',
      '/sessions/{sid}',
      404,
      http.delete(`/sessions/${randomUUID()}`).set(bearer(first.access_token)),
    );
    await expectDocumented(
      'delete',
      '/sessions/{sid}',
      400,
      http.delete('/sessions/not-a-uuid').set(bearer(first.access_token)),
    );
    await expectDocumented(
      'delete',
      '/sessions/{sid}',
      204,
      http.delete(`/sessions/${other?.sid}`).set(bearer(first.access_token)),
    );
    await expectDocumented(
      'post',
      '/refresh',
      401,
      http.post('/refresh').send({ refresh_token: second.refresh_token }),
    );

    await expectDocumented('post', '/refresh', 200, http.post('/refresh').send({ refresh_token: first.refresh_token }));
    // A retry of the spent token within the grace window gets its successor again (documented as 200 too).
    await expectDocumented('post', '/refresh', 200, http.post('/refresh').send({ refresh_token: first.refresh_token }));
    await expectDocumented('post', '/refresh', 401, http.post('/refresh').send({ refresh_token: 'not-a-token' }));
    await expectDocumented('post', '/refresh', 400, http.post('/refresh').send({ refresh_token: 7 }));

    const third = await loggedIn(email);
    await expectDocumented('post', '/logout', 204, http.post('/logout').set(bearer(third.access_token)));
    await expectDocumented('post', '/logout', 401, http.post('/logout').set(bearer(third.access_token)));
    const fourth = await loggedIn(email);
    await expectDocumented('post', '/logout-all', 204, http.post('/logout-all').set(bearer(fourth.access_token)));
  });

  it('answers the admin routes as documented', async () => {
    const http = api().http;
    const [adminEmail, subjectEmail] = [uniqueEmail(), uniqueEmail()];
    const admin = (await http.post('/register').send({ email: adminEmail, password: PASSWORD })).body as { id: string };
    const subject = (await http.post('/register').send({ email: subjectEmail, password: PASSWORD })).body as {
      id: string;
    };
    await api()
      .app.get(UsersService)
      .update(admin.id, { roles: ['user', 'admin'] });
    const { access_token: adminToken } = await loggedIn(adminEmail);
    const { access_token: userToken } = await loggedIn(subjectEmail);
    const asAdmin = bearer(adminToken);

    await expectDocumented(
      'get',
      '/admin/users/{id}',
      403,
      http.get(`/admin/users/${admin.id}`).set(bearer(userToken)),
    );
    await expectDocumented('get', '/admin/users/{id}', 200, http.get(`/admin/users/${subject.id}`).set(asAdmin));
    await expectDocumented('get', '/admin/users/{id}', 404, http.get(`/admin/users/${randomUUID()}`).set(asAdmin));
    await expectDocumented('get', '/admin/users/{id}', 400, http.get('/admin/users/42').set(asAdmin));
    await expectDocumented(
      'post',
      '/admin/users/{id}/disable',
      409,
      http.post(`/admin/users/${admin.id}/disable`).set(asAdmin),
    );
    await expectDocumented(
      'post',
      '/admin/users/{id}/disable',
      204,
      http.post(`/admin/users/${subject.id}/disable`).set(asAdmin),
    );
    await expectDocumented(
      'post',
      '/admin/users/{id}/enable',
      204,
      http.post(`/admin/users/${subject.id}/enable`).set(asAdmin),
    );
    await expectDocumented(
      'post',
      '/admin/users/{id}/revoke-sessions',
      204,
      http.post(`/admin/users/${subject.id}/revoke-sessions`).set(asAdmin),
    );
    await expectDocumented(
      'put',
      '/admin/users/{id}/roles',
      400,
      http
        .put(`/admin/users/${subject.id}/roles`)
        .set(asAdmin)
        .send({ roles: ['root'] }),
    );
    await expectDocumented(
      'put',
      '/admin/users/{id}/roles',
      204,
      http
        .put(`/admin/users/${subject.id}/roles`)
        .set(asAdmin)
        .send({ roles: ['user'] }),
    );
    const audit = await expectDocumented('get', '/admin/audit', 200, http.get('/admin/audit?limit=3').set(asAdmin));
    expect((audit.body as { entries: unknown[] }).entries).toHaveLength(3);
    await expectDocumented('get', '/admin/audit', 400, http.get('/admin/audit?limit=0').set(asAdmin));
    const before = (conformance.operation('get', '/admin/audit').parameters ?? []).find(
      (parameter) => 'name' in parameter && parameter.name === 'before',
    ) as { schema: SchemaObject };
    await expectDocumented(
      'get',
      '/admin/audit',
      400,
      http.get(`/admin/audit?before=${'9'.repeat((before.schema.maxLength ?? 0) + 1)}`).set(asAdmin),
    );
  });

  it('documents the limits the server enforces before any route runs, and answers beyond them as documented', async () => {
    const http = api().http;
    const login = conformance.operation('post', '/login');
    const userAgent = (login.parameters ?? []).find(
      (parameter) => 'name' in parameter && parameter.name === 'user-agent',
    );
    const longest = ((userAgent as { schema: SchemaObject }).schema.maxLength ?? 0) + 1;
    const body = { email: uniqueEmail(), password: PASSWORD };

    await expectDocumented('post', '/login', 413, http.post('/login').send({ ...body, password: 'p'.repeat(20_000) }));
    await expectDocumented(
      'post',
      '/login',
      415,
      http
        .post('/login')
        .type('form')
        .send(`email=${encodeURIComponent(body.email)}&password=${PASSWORD}`),
    );
    // Node refuses the whole request before the app sees it: not an answer of the route's.
    const tooLong = await http.post('/login').set('user-agent', 'u'.repeat(longest)).send(body);
    expect(tooLong.status).toBe(431);
  });

  it('states who may call the OAuth endpoints: anyone or a client on revocation, a client on introspection', () => {
    expect(conformance.operation('post', '/oauth/revoke').security).toEqual([{ 'oauth-client': [] }, {}]);
    expect(conformance.operation('post', '/oauth/introspect').security).toEqual([{ 'oauth-client': [] }]);
    expect(spec.components?.securitySchemes?.['oauth-client']).toMatchObject({ type: 'http', scheme: 'basic' });
    for (const path of ['/oauth/revoke', '/oauth/introspect']) {
      const names = (conformance.operation('post', path).parameters ?? []).map((parameter) =>
        'name' in parameter ? parameter.name.toLowerCase() : '',
      );
      expect(names).not.toContain('authorization');
    }
  });

  it('answers the health routes as documented', async () => {
    await expectDocumented('get', '/health/live', 200, api().http.get('/health/live'));
    await expectDocumented('get', '/health/ready', 200, api().http.get('/health/ready'));
  });

  it('serves the Swagger UI and its assets from the same origin', async () => {
    const page = await api().http.get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const bundle = await api().http.get('/docs/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const init = await api().http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"openapi": "3.');
  });

  it("gives the UI helmet's page headers, whose CSP lets its own scripts run, and the API its own set", async () => {
    const page = await api().http.get('/docs').expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-request-id']).toBeDefined();

    const health = await api().http.get('/health/live').expect(200);
    expect(health.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  });
});

describe('OpenAPI documentation, rate limited', () => {
  const api = useApp(createTestApp, { THROTTLE_ACCOUNT_LIMIT: '1' });

  it('documents the 429 the throttler answers', async () => {
    const conformance = new SpecConformance(await specOf(api()));
    const attempt = { email: uniqueEmail(), password: PASSWORD };
    await api().http.post('/login').send(attempt);
    const throttled = await api().http.post('/login').send(attempt);

    expect(throttled.status).toBe(429);
    expect(conformance.problemsOf('post', '/login', throttled)).toEqual([]);
  });
});

describe('OpenAPI documentation with the cookie transport', () => {
  const api = useApp(createTestApp, { AUTH_COOKIE: 'true' });

  it('offers the access token cookie wherever a bearer token is asked for', async () => {
    const spec = await specOf(api());

    expect(spec.components?.securitySchemes?.cookie).toEqual({
      type: 'apiKey',
      in: 'cookie',
      name: '__Host-access_token',
    });
    expect(spec.paths['/me']?.get?.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(spec.paths['/login']?.post?.security).toEqual([]);
  });
});

describe('OpenAPI documentation with a METRICS_TOKEN', () => {
  const token = randomUUID();
  const api = useApp(createTestApp, { METRICS_TOKEN: token });

  it('asks for the metrics token on GET /metrics, and answers as documented with and without it', async () => {
    const spec = await specOf(api());
    const conformance = new SpecConformance(spec);

    expect(spec.components?.securitySchemes?.['metrics-token']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(conformance.operation('get', '/metrics').security).toEqual([{ 'metrics-token': [] }]);
    const refused = await api().http.get('/metrics');
    expect(refused.status).toBe(401);
    expect(conformance.problemsOf('get', '/metrics', refused)).toEqual([]);
    await api().http.get('/metrics').set(bearer(token)).expect(200);
  });
});

describe('OpenAPI documentation under an API_PREFIX', () => {
  const api = useApp(createTestApp, { API_PREFIX: 'api/v1' });

  it('serves the UI and the spec under the prefix, and every operation where the spec puts it', async () => {
    const spec = await specOf(api(), '/api/v1/docs-json');

    expect(spec.paths['/api/v1/login']).toBeDefined();
    for (const { method, path } of operationsOf(spec)) {
      const url = path.replace(/\{[^}]+\}/g, randomUUID());
      const response = await api().http[method](url);
      expect({ url, message: (response.body as { message?: unknown }).message }).not.toEqual({
        url,
        message: `Cannot ${method.toUpperCase()} ${url}`,
      });
    }
    const page = await api().http.get('/api/v1/docs').expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    await api().http.get('/docs-json').expect(404);
  });
});

// NODE_ENV=production refuses to start without it.
const PRODUCTION_METRICS_TOKEN = randomBytes(32).toString('hex');

describe.each([
  ['in production by default', { NODE_ENV: 'production', METRICS_TOKEN: PRODUCTION_METRICS_TOKEN }],
  ['with API_DOCS=false', { API_DOCS: 'false' }],
])('OpenAPI documentation %s', (_case, env) => {
  const api = useApp(createTestApp, env);

  it('serves neither the UI nor the spec', async () => {
    await api().http.get('/docs').expect(404);
    await api().http.get('/docs-json').expect(404);
  });
});

describe('OpenAPI documentation in production with API_DOCS=true', () => {
  const api = useApp(createTestApp, {
    NODE_ENV: 'production',
    API_DOCS: 'true',
    METRICS_TOKEN: PRODUCTION_METRICS_TOKEN,
  });

  it('serves the spec', async () => {
    const spec = await specOf(api());
    expect(spec.paths['/login']).toBeDefined();
  });
});

describe('OpenAPI documentation of the built app', () => {
  const apps = new AppProcesses();

  afterAll(async () => {
    await apps.dispose();
  });

  it('builds the spec in the ESM build too', async () => {
    const env = {
      JWT_SECRET: process.env.JWT_SECRET as string,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `o${randomUUID().slice(0, 8)}:`,
      LOG_LEVEL: 'error',
    };
    const [agent] = (await apps.startReady(env, [{}])).agents;
    const spec = (await agent.get('/docs-json').expect(200)).body as OpenAPIObject;

    expect(spec.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(spec.paths['/me']?.get?.security).toEqual([{ bearer: [] }]);
  });
});
