import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  AppProcesses,
  EXIT_BOUND_MS,
  READY_BOUND_MS,
  httpCall,
  nonEmptyLines,
  stopGracefully,
  type Exit,
  type HttpAnswer,
} from './support/app-process.js';
import { decodeClaims, uniqueEmail } from './support/auth-client.js';
import { testRedisUrl } from './support/redis-server.js';

/**
 * The built app (`node dist/main.js`) as an operator runs it, its standard output and error read back: what the logs
 * say about each request, and what they must never say.
 */
const JWT_SECRET = randomBytes(32).toString('hex');
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const apps = new AppProcesses();
const keyPrefixes: string[] = [];

type LogLine = Record<string, unknown>;

/** Starts one instance on the test Redis, with its own key prefix, and waits until it is ready. */
async function startApp(env: Record<string, string>) {
  const keyPrefix = `log${randomUUID().slice(0, 8)}:`;
  keyPrefixes.push(keyPrefix);
  const shared = { JWT_SECRET, REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: keyPrefix, ...env };
  const { ports, processes } = await apps.startReady(shared, [{}]);
  return { port: ports[0], run: processes[0] };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({ body, headers });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const completedLines = (lines: LogLine[]) => lines.filter((line) => line.msg === 'request completed');

afterAll(async () => {
  await apps.dispose();
  const redis = new Redis(testRedisUrl());
  try {
    for (const prefix of keyPrefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
});

describe('JSON logs (LOG_FORMAT=json) of a whole session: register, login, me, refresh, logout', () => {
  const sentRequestId = `client-${randomUUID()}`;
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736.00f067aa0ba902b7:01'; // a W3C trace and span id, joined
  const oversizedRequestId = 'a'.repeat(8000);
  const oddRequestId = 'id with "quotes", spaces and {braces}';
  const answers: Record<string, HttpAnswer> = {};
  const secrets: Record<string, string> = { JWT_SECRET, password: PASSWORD };
  let userId: string;
  let sessionId: string;
  let stdout: string;
  let stderr: string;
  let lines: LogLine[];
  let exit: Exit | undefined;

  beforeAll(
    async () => {
      // NODE_ENV=development would pick pretty lines: LOG_FORMAT wins over it.
      const { port, run } = await startApp({ NODE_ENV: 'development', LOG_FORMAT: 'json' });
      const call = (method: string, path: string, options?: Parameters<typeof httpCall>[3]) =>
        httpCall(port, method, path, options);
      const email = uniqueEmail();

      answers.register = await call('POST', '/register', json({ email, password: PASSWORD }));
      answers.login = await call(
        'POST',
        '/login',
        json({ email, password: PASSWORD }, { 'x-request-id': sentRequestId }),
      );
      const first = answers.login.json as { access_token: string; refresh_token: string };
      answers.me = await call('GET', '/me', bearer(first.access_token));
      answers.anonymous = await call('GET', '/me');
      answers.refresh = await call('POST', '/refresh', json({ refresh_token: first.refresh_token }));
      const second = answers.refresh.json as { access_token: string; refresh_token: string };
      answers.logout = await call('POST', '/logout', bearer(second.access_token));
      answers.revoked = await call('GET', '/me', bearer(second.access_token));
      answers.traced = await call('GET', '/health/live', { headers: { 'x-request-id': traceId } });
      answers.oversizedId = await call('GET', '/health/live', { headers: { 'x-request-id': oversizedRequestId } });
      answers.oddId = await call('GET', '/health/live', { headers: { 'x-request-id': oddRequestId } });

      userId = (answers.register.json as { id: string }).id;
      sessionId = decodeClaims(first.access_token).sid as string;
      Object.assign(secrets, {
        'first access token': first.access_token,
        'first refresh token': first.refresh_token,
        'second access token': second.access_token,
        'second refresh token': second.refresh_token,
        "first access token's signature": first.access_token.split('.')[2],
      });

      exit = await stopGracefully(run);
      ({ stdout, stderr } = run.output);
      lines = nonEmptyLines(stdout).map((line) => JSON.parse(line) as LogLine);
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 10_000,
  );

  /** The one completion line of the answer named `name`, found by the request id the response carried. */
  const lineOf = (name: string): LogLine[] =>
    completedLines(lines).filter((line) => line.reqId === answers[name].headers['x-request-id']);

  it('answered every step as expected, and exited 0 on SIGTERM', () => {
    const statuses = Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.status]));
    expect(statuses).toEqual({
      register: 201,
      login: 200,
      me: 200,
      anonymous: 401,
      refresh: 200,
      logout: 204,
      revoked: 401,
      traced: 200,
      oversizedId: 200,
      oddId: 200,
    });
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('writes only JSON lines on stdout, Nest start-up lines included, and nothing on stderr', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String) }));
    }
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'NestApplication',
        msg: 'Nest application successfully started',
      }),
    );
    expect(stderr).toBe('');
  });

  it('writes one completion line per request, under the request id the response carried', () => {
    for (const name of Object.keys(answers)) expect(lineOf(name)).toHaveLength(1);
    expect(answers.login.headers['x-request-id']).toBe(sentRequestId);
    expect(lineOf('login')[0]).toEqual(expect.objectContaining({ route: '/login', statusCode: 200 }));
  });

  it('echoes and logs a safe X-Request-Id (1-128 of A-Z a-z 0-9 . _ : -) as sent', () => {
    expect(answers.traced.headers['x-request-id']).toBe(traceId);
    expect(lineOf('traced')).toEqual([expect.objectContaining({ reqId: traceId, route: '/health/live' })]);
  });

  it.each([
    { name: 'an 8000-character X-Request-Id', answer: 'oversizedId', sent: oversizedRequestId },
    { name: 'an X-Request-Id with quotes, spaces and braces', answer: 'oddId', sent: oddRequestId },
  ])('replaces $name with a fresh UUID, in the response header and in the log line', ({ answer, sent }) => {
    const echoed = answers[answer].headers['x-request-id'];
    expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lineOf(answer)).toEqual([expect.objectContaining({ reqId: echoed, route: '/health/live' })]);
    expect(stdout).not.toContain(sent);
  });

  it("names the authenticated caller's user and session, with the route, status and duration", () => {
    const expected = { level: 'info', context: 'HTTP', userId, sid: sessionId, durationMs: expect.any(Number) };
    expect(lineOf('me')[0]).toEqual(
      expect.objectContaining({ ...expected, method: 'GET', route: '/me', statusCode: 200 }),
    );
    expect(lineOf('logout')[0]).toEqual(
      expect.objectContaining({ ...expected, method: 'POST', route: '/logout', statusCode: 204 }),
    );
  });

  it('names no user on requests without a valid token', () => {
    for (const name of ['anonymous', 'revoked', 'register', 'refresh']) {
      expect(lineOf(name)[0]).not.toHaveProperty('userId');
      expect(lineOf(name)[0]).not.toHaveProperty('sid');
    }
    expect(lineOf('revoked')[0]).toEqual(expect.objectContaining({ route: '/me', statusCode: 401 }));
  });

  it('never logs a header, a URL or a body', () => {
    for (const line of completedLines(lines)) {
      expect(Object.keys(line).sort()).toEqual(
        expect.arrayContaining(['reqId', 'method', 'route', 'statusCode', 'durationMs']),
      );
      for (const key of ['req', 'res', 'headers', 'url', 'body']) expect(line).not.toHaveProperty(key);
    }
  });

  it.each([
    'JWT_SECRET',
    'password',
    'first access token',
    'first refresh token',
    'second access token',
    'second refresh token',
    "first access token's signature",
  ])('never writes the %s to stdout or stderr', (name) => {
    expect(secrets[name]).toEqual(expect.any(String));
    expect(`${stdout}\n${stderr}`).not.toContain(secrets[name]);
  });
});

describe('LOG_REQUESTS=false', () => {
  let lines: LogLine[];
  let meStatus: number;

  beforeAll(
    async () => {
      const { port, run } = await startApp({ NODE_ENV: 'test', LOG_REQUESTS: 'false' });
      meStatus = (await httpCall(port, 'GET', '/me')).status;
      await stopGracefully(run);
      lines = nonEmptyLines(run.output.stdout).map((line) => JSON.parse(line) as LogLine);
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  it('writes no line per request, and still the start-up lines (JSON by default outside development)', () => {
    expect(meStatus).toBe(401);
    expect(completedLines(lines)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'Nest application successfully started' }));
  });
});

describe('pretty lines by default in development (NODE_ENV unset)', () => {
  let lines: string[];
  let requestId: string | string[] | undefined;

  beforeAll(
    async () => {
      const { port, run } = await startApp({});
      requestId = (await httpCall(port, 'GET', '/me')).headers['x-request-id'];
      await stopGracefully(run);
      lines = nonEmptyLines(run.output.stdout);
    },
    READY_BOUND_MS + EXIT_BOUND_MS + 5000,
  );

  it('writes one readable line per request, with its level, context, request id and route', () => {
    const completed = lines.filter((line) => line.includes('request completed'));
    expect(completed).toHaveLength(2); // the readiness probe, then GET /me
    expect(completed[1]).toMatch(/^\[[\d:.]+\] INFO: \[HTTP\] request completed \{.*"route":"\/me".*\}$/);
    expect(completed[1]).toContain(`"reqId":"${String(requestId)}"`);
  });

  it('writes no JSON object lines', () => {
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
  });
});
