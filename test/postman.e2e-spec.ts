import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as runNewman, type NewmanRunSummary } from 'newman';
import { AppProcesses } from './support/app-process.js';
import { testRedisUrl } from './support/redis-server.js';

const POSTMAN_DIR = join(__dirname, '..', 'postman');
const COLLECTION_FILE = join(POSTMAN_DIR, 'revocable-jwt-api.postman_collection.json');
const ENVIRONMENT_FILE = join(POSTMAN_DIR, 'local.postman_environment.json');
const SCHEMA_V2_1 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

// Every pm.test a passing run executes, the collection-level checks included: change it with the collection.
const ASSERTIONS_PER_RUN = 37;
// The requests only a server that checks the revocation store can pass.
const REVOCATION_REQUESTS = ['Who am I with the logged-out token', 'Who am I after logging out everywhere'];

interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { exec: string[] };
}

interface PostmanItem {
  name: string;
  description?: string;
  item?: PostmanItem[];
  event?: PostmanEvent[];
  request?: { method: string; url: { raw: string }; description?: string };
}

interface PostmanCollection {
  info: { name: string; description: string; schema: string };
  item: PostmanItem[];
  event?: PostmanEvent[];
  variable: { key: string }[];
}

interface PostmanEnvironment {
  name: string;
  values: { key: string; value: string; enabled: boolean }[];
  _postman_variable_scope: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const requestsOf = (items: PostmanItem[]): PostmanItem[] =>
  items.flatMap((item) => (item.item ? requestsOf(item.item) : [item]));

const scriptsOf = (collection: PostmanCollection): string[] =>
  [collection.event ?? [], ...requestsOf(collection.item).map((item) => item.event ?? [])]
    .flat()
    .map((event) => event.script.exec.join('\n'));

/** One quiet newman run (no reporter) of the collection against `baseUrl`: its summary, passed or failed. */
function runCollection(baseUrl: string): Promise<NewmanRunSummary> {
  return new Promise((done, fail) => {
    runNewman(
      {
        collection: COLLECTION_FILE,
        environment: ENVIRONMENT_FILE,
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        timeoutRequest: 10_000,
      },
      (error, summary) => (error ? fail(error) : done(summary)),
    );
  });
}

/** Each failed check as `request: test: message`, so a failing expectation shows what went wrong. */
const failuresOf = (summary: NewmanRunSummary) =>
  summary.run.failures.map((failure) =>
    [failure.source?.name, failure.error.test, failure.error.message].filter(Boolean).join(': '),
  );

/** The email the run registered, as the server answered it. */
const registeredEmailOf = (summary: NewmanRunSummary) =>
  (summary.run.executions[0].response.json() as { email: string }).email;

describe('the Postman collection and environment files', () => {
  const collection = readJson<PostmanCollection>(COLLECTION_FILE);
  const environment = readJson<PostmanEnvironment>(ENVIRONMENT_FILE);

  it('are a v2.1 collection and an environment, as Postman imports them', () => {
    expect(collection.info.schema).toBe(SCHEMA_V2_1);
    expect(collection.info.description).not.toBe('');
    expect(environment._postman_variable_scope).toBe('environment');
    expect(environment.values).toContainEqual({
      key: 'baseUrl',
      value: 'http://localhost:3000',
      type: 'default',
      enabled: true,
    });
  });

  it('gives every request a description, a URL on {{baseUrl}} and a test script', () => {
    const requests = requestsOf(collection.item);
    expect(requests).toHaveLength(10);
    for (const { name, request, event } of requests) {
      expect({ name, described: Boolean(request?.description) }).toEqual({ name, described: true });
      expect(request?.url.raw).toMatch(/^\{\{baseUrl\}\}\//);
      expect(event?.map((script) => script.listen)).toContain('test');
    }
  });

  it('defines every {{variable}} it uses, in the environment, the collection or a script', () => {
    const text = JSON.stringify(collection);
    // {{$guid}} and the like are Postman's dynamic variables, always defined.
    const used = new Set([...text.matchAll(/\{\{(?!\$)([^{}]+)\}\}/g)].map(([, name]) => name));
    const setByScripts = scriptsOf(collection).flatMap((script) =>
      [...script.matchAll(/pm\.(?:collectionVariables|environment|variables)\.set\('([^']+)'/g)].map(
        ([, name]) => name,
      ),
    );
    const defined = new Set([
      ...environment.values.map(({ key }) => key),
      ...collection.variable.map(({ key }) => key),
      ...setByScripts,
    ]);

    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
    // What a script stores is declared too, so Postman lists it under the collection's variables.
    expect(setByScripts.filter((name) => !collection.variable.some(({ key }) => key === name))).toEqual([]);
  });
});

describe('the Postman collection run by newman against the built app on Redis', () => {
  const collection = readJson<PostmanCollection>(COLLECTION_FILE);
  const requestNames = requestsOf(collection.item).map(({ name }) => name);
  const apps = new AppProcesses();
  let baseUrl: string;
  let uncheckedBaseUrl: string;

  // Default throttle limits: three runs on one instance make 15 attempts per address, under the 30 allowed.
  beforeAll(async () => {
    const shared = {
      JWT_SECRET: process.env.JWT_SECRET as string,
      REDIS_URL: testRedisUrl(),
      LOG_LEVEL: 'error',
    };
    const prefix = () => `pm${randomUUID().slice(0, 8)}:`;
    const { ports } = await apps.startReady(shared, [
      { REDIS_KEY_PREFIX: prefix() },
      { REDIS_KEY_PREFIX: prefix(), REVOCATION_CHECK: 'off' },
    ]);
    [baseUrl, uncheckedBaseUrl] = ports.map((port) => `http://127.0.0.1:${port}`);
  }, 40_000);

  afterAll(async () => {
    await apps.dispose();
  });

  it('runs every request in order and passes every assertion', async () => {
    const summary = await runCollection(baseUrl);

    expect(failuresOf(summary)).toEqual([]);
    expect(summary.run.executions.map(({ item }) => item.name)).toEqual(requestNames);
    expect(summary.run.stats.requests).toMatchObject({ total: requestNames.length, failed: 0 });
    expect(summary.run.stats.assertions).toMatchObject({ total: ASSERTIONS_PER_RUN, failed: 0 });
  }, 30_000);

  it('passes again against the same server, on a fresh account each run', async () => {
    const first = await runCollection(baseUrl);
    const second = await runCollection(baseUrl);

    expect(failuresOf(first)).toEqual([]);
    expect(failuresOf(second)).toEqual([]);
    expect(second.run.stats.assertions).toMatchObject({ total: ASSERTIONS_PER_RUN, failed: 0 });
    expect(registeredEmailOf(second)).toMatch(/^postman-.+@example\.com$/);
    expect(registeredEmailOf(second)).not.toBe(registeredEmailOf(first));
  }, 30_000);

  it('fails the 401 checks, and only those, against an app that skips the revocation store', async () => {
    const summary = await runCollection(uncheckedBaseUrl);
    const failedRequests = new Set(summary.run.failures.map((failure) => failure.source?.name));

    expect([...failedRequests].sort()).toEqual([...REVOCATION_REQUESTS].sort());
    expect(summary.run.stats.requests).toMatchObject({ total: requestNames.length, failed: 0 });
  }, 30_000);
});
