import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import { lintWithRedocly, lintWithSpectral, type LintReport } from './support/openapi-linters.js';
import { createTestApp } from './support/test-app.js';
import { useApp } from './support/use-app.js';

// Each linter is a Node process of its own that loads its ruleset: seconds, more on a busy machine.
jest.setTimeout(120_000);

const workDir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function written(name: string, document: OpenAPIObject): string {
  const file = join(workDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

function summary(linter: string, configuration: string, { errors, warnings }: LintReport): string {
  const perRule = new Map<string, number>();
  for (const { rule } of warnings) perRule.set(rule, (perRule.get(rule) ?? 0) + 1);
  const rules = [...perRule].map(([rule, count]) => `${rule} ${count}`).join(', ');
  return `${linter} (${configuration}): ${errors.length} errors, ${warnings.length} warnings (${rules || 'none'})`;
}

// The configuration by default, and with every option that adds to the document: the access token cookie and the
// metrics token.
describe.each([
  ['by default', {}],
  ['with AUTH_COOKIE=true and METRICS_TOKEN', { AUTH_COOKIE: 'true', METRICS_TOKEN: randomBytes(32).toString('hex') }],
])('The served OpenAPI document %s, linted', (configuration, env) => {
  const api = useApp(createTestApp, env);
  let file: string;

  beforeAll(async () => {
    const response = await api().http.get('/docs-json').expect(200);
    file = written(configuration.replace(/\W+/g, '-'), response.body as OpenAPIObject);
  });

  it("passes Redocly's recommended ruleset without an error", async () => {
    const report = await lintWithRedocly(file);
    console.log(summary('Redocly recommended', configuration, report));
    expect(report.errors).toEqual([]);
  });

  it("passes Spectral's OWASP ruleset, as .spectral.yaml applies it, without an error", async () => {
    const report = await lintWithSpectral(file);
    console.log(summary('Spectral OWASP', configuration, report));
    expect(report.errors).toEqual([]);
  });
});

describe('The OpenAPI linters', () => {
  const api = useApp(createTestApp);
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = (await api().http.get('/docs-json').expect(200)).body as OpenAPIObject;
  });

  it('refuse an undeclared security scheme and a request string without a limit', async () => {
    const broken = structuredClone(document);
    delete broken.components?.securitySchemes?.['oauth-client'];
    const email = (broken.components?.schemas?.LoginDto as SchemaObject).properties?.email as SchemaObject;
    delete email.maxLength;
    const file = written('broken', broken);

    const [redocly, spectral] = await Promise.all([lintWithRedocly(file), lintWithSpectral(file)]);

    expect(redocly.errors).toContainEqual(
      expect.objectContaining({
        rule: 'security-defined',
        at: '#/paths/~1oauth~1introspect/post/security/0/oauth-client',
      }),
    );
    expect(spectral.errors).toContainEqual(
      expect.objectContaining({ rule: 'request-string-limit', at: '#/components/schemas/LoginDto/properties/email' }),
    );
  });

  it('refuse an unauthenticated write operation that is not one of the documented exceptions', async () => {
    const broken = structuredClone(document);
    const logout = broken.paths['/logout']?.post;
    if (logout) logout.security = [];

    const spectral = await lintWithSpectral(written('public-logout', broken));

    expect(spectral.errors).toContainEqual(
      expect.objectContaining({
        rule: 'owasp:api2:2023-write-restricted',
        at: expect.stringMatching(/^#\/paths\/~1logout\/post\//) as unknown,
      }),
    );
  });
});
