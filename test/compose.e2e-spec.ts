import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The compose files, as `docker-compose config` resolves them (no Docker engine needed): PostgreSQL with a
 * healthcheck and a volume, every API instance waiting for it and pointed at it, and no start without the secrets.
 */

const ROOT = resolve(__dirname, '..');
const NO_COMPOSE =
  'docker-compose is not installed: `sudo apt-get install docker-compose` (or install Docker Compose v2)';

interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target?: string })[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

/** `docker compose` (v2) when its plugin is there, else `docker-compose` (v1): the command and its first args. */
function composeCommand(): [string, string[]] {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', ['compose']];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose', []];
  throw new Error(NO_COMPOSE);
}

function config(file: string, env: Record<string, string>): { status: number | null; out: string; err: string } {
  const [command, args] = composeCommand();
  const run = spawnSync(command, [...args, '-f', file, 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

const SECRETS = {
  JWT_SECRET: randomBytes(32).toString('hex'),
  METRICS_TOKEN: randomBytes(32).toString('hex'),
  POSTGRES_PASSWORD: 'a1b2c3d4e5f6a1b2c3d4e5f6',
};

describe.each([
  { file: 'docker-compose.yml', apis: ['api'] },
  { file: 'docker-compose.cluster.yml', apis: ['api-1', 'api-2'] },
])('$file', ({ file, apis }) => {
  let services: Record<string, Service>;
  let volumes: Record<string, unknown>;

  beforeAll(() => {
    const run = config(file, SECRETS);
    if (run.status !== 0) throw new Error(`docker-compose config failed:\n${run.err}`);
    ({ services, volumes } = parse(run.out) as { services: Record<string, Service>; volumes: Record<string, unknown> });
  });

  it('runs postgres:17 with a healthcheck and its data on a named volume', () => {
    const postgres = services.postgres;
    expect(postgres.image).toBe('postgres:17');
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    const mounts = (postgres.volumes ?? []).map((volume) =>
      typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`,
    );
    expect(mounts).toEqual([expect.stringMatching(/^postgres-data:\/var\/lib\/postgresql\/data/)]);
    expect(volumes).toHaveProperty('postgres-data');
  });

  it.each(apis)('starts %s only once postgres is healthy, with DATABASE_URL pointing at it', (api) => {
    const service = services[api];
    expect(service.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    expect(service.environment?.NODE_ENV).toBe('production');
    expect(service.environment?.DATABASE_URL).toBe(`postgres://auth:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/auth`);
  });

  it('refuses to resolve without POSTGRES_PASSWORD, saying what to set', () => {
    const run = config(file, { JWT_SECRET: SECRETS.JWT_SECRET, METRICS_TOKEN: SECRETS.METRICS_TOKEN });
    expect(run.status).not.toBe(0);
    expect(run.err).toContain('set POSTGRES_PASSWORD');
  });
});
