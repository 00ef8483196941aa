import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';

export const appConfig = registerAs('app', () => {
  const env = readEnv();
  return {
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    apiPrefix: env.API_PREFIX.replace(/^\/+|\/+$/g, ''),
    logLevel: env.LOG_LEVEL,
    auditMaxEntries: env.AUDIT_MAX_ENTRIES,
    corsOrigins: env.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
