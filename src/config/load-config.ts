import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { appConfig } from './app.config.js';
import type { AllConfig } from './config.types.js';
import { databaseConfig } from './database.config.js';
import { ConfigValidationError, parseEnvironment, type EnvironmentVariables } from './env.validation.js';
import { jwtConfig } from './jwt.config.js';
import { loggingConfig } from './logging.config.js';
import { metricsConfig } from './metrics.config.js';
import { oauthConfig } from './oauth.config.js';
import { redisConfig } from './redis.config.js';
import { sessionConfig } from './session.config.js';
import { throttleConfig } from './throttle.config.js';

/** Raw settings, as the operator writes them: the process's environment, or a test's own. */
export type SettingsSource = Record<string, string | undefined>;

/**
 * The process's environment, over `.env` from the working directory if there is one (a variable already set wins,
 * as with `node --env-file`). Read, never written back.
 */
export function processSettings(): SettingsSource {
  if (!existsSync('.env')) return process.env;
  return { ...parseEnv(readFileSync('.env', 'utf8')), ...process.env };
}

/**
 * Validates `source` and builds every namespace from it, in one pass: each setting is parsed and each file read
 * once. Any problem stops here with one line naming every bad setting. Called once per start (main.ts, cli.ts, or a
 * test app); the app reads the result through ConfigService.
 */
export function loadConfig(source: SettingsSource): AllConfig {
  return load(source).config;
}

/** The typed settings `loadConfig` builds from, for the specs of their parsing and defaults. */
export function validateEnv(source: SettingsSource): EnvironmentVariables {
  return load(source).env;
}

function load(source: SettingsSource): { env: EnvironmentVariables; config: AllConfig } {
  const { env, problems } = parseEnvironment(source);
  const config: AllConfig = {
    app: appConfig(env, problems),
    database: databaseConfig(env, problems),
    jwt: jwtConfig(env, problems),
    logging: loggingConfig(env),
    metrics: metricsConfig(env),
    oauth: oauthConfig(env, problems),
    redis: redisConfig(env, problems),
    session: sessionConfig(env, problems),
    throttle: throttleConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigValidationError(`Invalid configuration: ${problems.join('; ')}`);
  return { env, config };
}
