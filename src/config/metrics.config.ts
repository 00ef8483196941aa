import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';

export const metricsConfig = registerAs('metrics', () => ({
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`. */
  token: readEnv().METRICS_TOKEN,
}));

export type MetricsConfig = ReturnType<typeof metricsConfig>;
