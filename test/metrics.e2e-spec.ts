import { randomBytes, randomUUID } from 'node:crypto';
import { bearer, PASSWORD, signUp } from './support/auth-client.js';
import { eventually } from './support/poll.js';
import { usePrivateRedis } from './support/private-redis.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

type Labels = Record<string, string>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`Not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** What one scrape said: `value(name, labels)` is the sample with exactly these labels, 0 when absent. */
class Scrape {
  constructor(
    readonly text: string,
    private readonly samples = parseSamples(text),
  ) {}

  value(name: string, labels: Labels = {}): number {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    const sample = this.samples.find(
      (candidate) => candidate.name === name && JSON.stringify(Object.entries(candidate.labels).sort()) === wanted,
    );
    return sample?.value ?? 0;
  }
}

async function scrape(api: TestApp, path = '/metrics'): Promise<Scrape> {
  const response = await api.http.get(path).expect(200);
  return new Scrape(response.text);
}

/** Runs `action` between two scrapes; `delta(name, labels)` is how much that sample moved. */
async function deltaAround(api: TestApp, action: () => Promise<unknown>) {
  const before = await scrape(api);
  await action();
  const after = await scrape(api);
  return {
    after,
    delta: (name: string, labels: Labels = {}) => after.value(name, labels) - before.value(name, labels),
  };
}

const REQUESTS = 'revocable_jwt_http_requests_total';
const DURATION_COUNT = 'revocable_jwt_http_request_duration_seconds_count';
const CHECKS = 'revocable_jwt_revocation_checks_total';
const CHECK_DURATION_COUNT = 'revocable_jwt_revocation_check_duration_seconds_count';
const REVOCATIONS = 'revocable_jwt_revocations_total';
const STORE_UP = 'revocable_jwt_store_up';

describe('GET /metrics with default settings (on the test Redis)', () => {
  const api = useApp(createTestApp);

  it('serves the Prometheus text format without a token, with Node process metrics', async () => {
    const response = await api().http.get('/metrics').expect(200);

    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.text).toContain('# TYPE revocable_jwt_http_requests_total counter');
    expect(response.text).toContain('# TYPE revocable_jwt_revocation_check_duration_seconds histogram');
    expect(new Scrape(response.text).value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts responses by method, route pattern and status code, and times them', async () => {
    const session = await signUp(api().http);
    const unknownSid = randomUUID();
    const unknownPath = `/no-such-route-${randomUUID()}`;

    const { after, delta } = await deltaAround(api(), async () => {
      await api().http.get('/me').set(bearer(session.accessToken)).expect(200);
      await api().http.get('/me').expect(401);
      await api().http.delete(`/sessions/${unknownSid}`).set(bearer(session.accessToken)).expect(404);
      await api().http.get(unknownPath).expect(404);
    });

    expect(delta(REQUESTS, { method: 'GET', route: '/me', status_code: '200' })).toBe(1);
    expect(delta(REQUESTS, { method: 'GET', route: '/me', status_code: '401' })).toBe(1);
    expect(delta(REQUESTS, { method: 'DELETE', route: '/sessions/:sid', status_code: '404' })).toBe(1);
    expect(delta(REQUESTS, { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(delta(DURATION_COUNT, { method: 'GET', route: '/me' })).toBe(2);
    // Route patterns only: no id and no raw URL ever becomes a label.
    expect(after.text).not.toContain(unknownSid);
    expect(after.text).not.toContain(unknownPath);
    expect(after.text).not.toContain(session.userId);
  });

  it('counts the revocation check of /me as allowed, and times it', async () => {
    const session = await signUp(api().http);

    const { delta } = await deltaAround(api(), () =>
      api().http.get('/me').set(bearer(session.accessToken)).expect(200),
    );

    expect(delta(CHECKS, { result: 'allowed' })).toBe(1);
    expect(delta(CHECKS, { result: 'revoked' })).toBe(0);
    expect(delta(CHECK_DURATION_COUNT)).toBe(1);
  });

  it('counts the token and session a logout writes, then the check that refuses the token', async () => {
    const session = await signUp(api().http);

    const logout = await deltaAround(api(), () =>
      api().http.post('/logout').set(bearer(session.accessToken)).expect(204),
    );
    expect(logout.delta(REVOCATIONS, { kind: 'token' })).toBe(1);
    expect(logout.delta(REVOCATIONS, { kind: 'session' })).toBe(1);
    expect(logout.delta(REVOCATIONS, { kind: 'user' })).toBe(0);

    const refused = await deltaAround(api(), () => api().http.get('/me').set(bearer(session.accessToken)).expect(401));
    expect(refused.delta(CHECKS, { result: 'revoked' })).toBe(1);
    expect(refused.delta(REQUESTS, { method: 'GET', route: '/me', status_code: '401' })).toBe(1);
  });

  it('counts the end of every session by a logout-all as a user revocation', async () => {
    const session = await signUp(api().http);

    const { delta } = await deltaAround(api(), () =>
      api().http.post('/logout-all').set(bearer(session.accessToken)).expect(204),
    );

    expect(delta(REVOCATIONS, { kind: 'user' })).toBe(1);
    expect(delta(REVOCATIONS, { kind: 'token' })).toBe(0);
  });

  it('reports the Redis store as up', async () => {
    expect((await scrape(api())).value(STORE_UP, { store: 'redis' })).toBe(1);
  });
});

describe('GET /metrics counting 429s (THROTTLE_ACCOUNT_LIMIT 2)', () => {
  const api = useApp(createTestApp, { THROTTLE_ACCOUNT_LIMIT: '2', THROTTLE_IP_LIMIT: '1000' });

  it('counts the throttled logins under their route and status 429', async () => {
    const session = await signUp(api().http);

    const { delta } = await deltaAround(api(), async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        await api()
          .http.post('/login')
          .send({ email: session.email, password: `${PASSWORD}-wrong` });
      }
    });

    expect(delta(REQUESTS, { method: 'POST', route: '/login', status_code: '429' })).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics with API_PREFIX=api/v1', () => {
  const api = useApp(createTestApp, { API_PREFIX: 'api/v1' });

  it('is served at /metrics, outside the prefix, and labels routes with their prefixed pattern', async () => {
    await api().http.get('/api/v1/metrics').expect(404);
    const { delta } = await deltaAround(api(), () => api().http.get('/api/v1/me').expect(401));

    expect(delta(REQUESTS, { method: 'GET', route: '/api/v1/me', status_code: '401' })).toBe(1);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = randomBytes(32).toString('hex');
  const api = useApp(createTestApp, { METRICS_TOKEN: token });

  it('answers 401 with a bearer challenge without the token', async () => {
    const response = await api().http.get('/metrics').expect(401);

    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(response.text).not.toContain('revocable_jwt_');
  });

  it('answers 401 to a wrong token, and to a valid access token (a JWT is not the metrics token)', async () => {
    const session = await signUp(api().http);

    await api()
      .http.get('/metrics')
      .set(bearer(randomBytes(32).toString('hex')))
      .expect(401);
    await api().http.get('/metrics').set(bearer(session.accessToken)).expect(401);
    await api().http.get('/metrics').set({ Authorization: token }).expect(401);
  });

  it('serves the metrics to a request carrying it as a bearer token, counting the refused scrapes', async () => {
    await api().http.get('/metrics').expect(401);
    const response = await api().http.get('/metrics').set(bearer(token)).expect(200);

    const refused = new Scrape(response.text).value(REQUESTS, { method: 'GET', route: '/metrics', status_code: '401' });
    expect(refused).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics when Redis goes away', () => {
  const redis = usePrivateRedis();
  let api: TestApp;

  beforeAll(async () => {
    api = await createTestApp({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await api.close();
  });

  it('reports the store down, counts failed checks and 503s, and reports it up again once it is back', async () => {
    const session = await signUp(api.http);
    expect((await scrape(api)).value(STORE_UP, { store: 'redis' })).toBe(1);

    await redis.crash();
    const down = await eventually(async () => (await scrape(api)).value(STORE_UP, { store: 'redis' }) === 0);
    expect(down).toBe(true);
    const { delta } = await deltaAround(api, () => api.http.get('/me').set(bearer(session.accessToken)).expect(503));
    expect(delta(CHECKS, { result: 'store_error' })).toBe(1);
    expect(delta(REQUESTS, { method: 'GET', route: '/me', status_code: '503' })).toBe(1);

    await redis.restart();
    const up = await eventually(async () => (await scrape(api)).value(STORE_UP, { store: 'redis' }) === 1);
    expect(up).toBe(true);
  });
});

describe('with METRICS_ENABLED=false', () => {
  const api = useApp(createTestApp, { METRICS_ENABLED: 'false' });

  it('has no /metrics route (404), and revocation works as before', async () => {
    await api().http.get('/metrics').expect(404);
    const session = await signUp(api().http);
    await api().http.get('/me').set(bearer(session.accessToken)).expect(200);
    await api().http.post('/logout').set(bearer(session.accessToken)).expect(204);
    await api().http.get('/me').set(bearer(session.accessToken)).expect(401);
  });
});
