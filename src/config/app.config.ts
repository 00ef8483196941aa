import { availableParallelism } from 'node:os';
import { parseCorsOrigins } from './cors-origins.js';
import { durationSetting } from './duration.js';
import type { EnvironmentVariables } from './env.validation.js';

export function appConfig(env: EnvironmentVariables, problems: string[]) {
  const cors = parseCorsOrigins(env.CORS_ORIGINS);
  problems.push(...cors.problems);
  return {
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    apiPrefix: env.API_PREFIX.replace(/^\/+|\/+$/g, ''),
    auditRetentionSeconds: durationSetting(problems, 'AUDIT_RETENTION', env.AUDIT_RETENTION),
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    corsOrigins: cors.origins,
    // 0: one core fewer than the machine has (at least one), so hashing never takes every core from the event loop.
    passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY || Math.max(1, availableParallelism() - 1),
    // The spec maps the whole API surface: served unless production, where it takes API_DOCS=true.
    docsEnabled: env.API_DOCS === undefined ? env.NODE_ENV !== 'production' : env.API_DOCS === 'true',
  };
}

export type AppConfig = ReturnType<typeof appConfig>;

/**
 * Fastify's `trustProxy`: whom to believe about the client's address (X-Forwarded-For), which the per-address rate
 * limit counts by. `false` (default): the socket's peer; behind a proxy, name it (or count its hops).
 */
function trustProxyOf(setting: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === '' || setting === 'false') return false;
  if (setting === 'true') return true;
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    return (_address, hop) => hop < hops;
  }
  return setting
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
