import type { EnvironmentVariables } from './env.validation.js';

export function metricsConfig(env: EnvironmentVariables) {
  return {
    /** METRICS_ENABLED=false leaves no trace of the metrics module. */
    enabled: env.METRICS_ENABLED === 'true',
    /** When set, `GET /metrics` needs `Authorization: Bearer <token>`. */
    token: env.METRICS_TOKEN,
  };
}

export type MetricsConfig = ReturnType<typeof metricsConfig>;
