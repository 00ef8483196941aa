import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { StartupRefusedError } from '../common/errors/startup-refused.error.js';
import { parseCorsOrigins } from './cors-origins.js';
import { parseDurationSeconds } from './duration.js';
import { parseOAuthClients } from './oauth-clients.js';
import { SIGNING_SECRET_BITS, weakSecretReason } from './secret-strength.js';
import { readKeyFiles, SIGNING_ALGORITHMS, type SigningAlgorithm } from './signing-keys.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

const HOST_PORT_LIST = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

// Settings without a default: absent unless the operator sets them.
const OPTIONAL_KEYS = [
  'JWT_SECRET',
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_TLS_CA_FILE',
  'DATABASE_URL',
  'DATABASE_TLS_CA_FILE',
  'JWT_PRIVATE_KEY_FILE',
  'JWT_VERIFY_KEY_FILES',
  'OAUTH_CLIENTS',
  'API_DOCS',
  'LOG_FORMAT',
  'METRICS_TOKEN',
];

/** Raw environment, as the operator writes it. Defaults live here and nowhere else. */
export class EnvironmentVariables {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsString()
  @Matches(/^$|^[A-Za-z0-9/_-]+$/, { message: 'API_PREFIX may hold only letters, digits, "/", "_" and "-"' })
  API_PREFIX = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'log';

  // Unset: pretty when NODE_ENV=development, JSON otherwise.
  @IsOptional()
  @IsIn(LOG_FORMATS)
  LOG_FORMAT?: (typeof LOG_FORMATS)[number];

  @IsIn(['true', 'false'])
  LOG_REQUESTS: 'true' | 'false' = 'true';

  @IsIn(['true', 'false'])
  METRICS_ENABLED: 'true' | 'false' = 'true';

  @IsOptional()
  @IsString()
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @IsIn(SIGNING_ALGORITHMS)
  JWT_ALGORITHM: SigningAlgorithm = 'HS256';

  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY_FILE?: string;

  @IsOptional()
  @IsString()
  JWT_VERIFY_KEY_FILES?: string;

  @IsString()
  JWT_ACCESS_TTL = '15m';

  @IsString()
  JWT_ISSUER = 'revocable-jwt-api';

  @IsString()
  JWT_AUDIENCE = 'revocable-jwt-api';

  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE = 5;

  @IsInt()
  @Min(0)
  @Max(1_000_000)
  JWT_VERIFY_CACHE_SIZE = 10_000;

  @IsString()
  AUDIT_RETENTION = '365d';

  @IsIn(['on', 'off'])
  REVOCATION_CHECK: 'on' | 'off' = 'on';

  @IsString()
  JWT_REFRESH_TTL = '7d';

  @IsString()
  SESSION_MAX_AGE = '30d';

  @IsString()
  REFRESH_REUSE_GRACE = '10s';

  @IsInt()
  @Min(1)
  @Max(1000)
  SESSIONS_PER_USER = 50;

  @IsIn(['true', 'false'])
  AUTH_COOKIE: 'true' | 'false' = 'false';

  @IsString()
  THROTTLE_WINDOW = '1m';

  @IsInt()
  @Min(1)
  THROTTLE_IP_LIMIT = 30;

  @IsInt()
  @Min(1)
  THROTTLE_ACCOUNT_LIMIT = 10;

  @IsInt()
  @Min(1)
  THROTTLE_ACCOUNT_GLOBAL_LIMIT = 100;

  @IsString()
  THROTTLE_ACCOUNT_GLOBAL_WINDOW = '1h';

  @IsIn(['true', 'false'])
  ALLOW_EVICTING_REDIS: 'true' | 'false' = 'false';

  @IsIn(['true', 'false'])
  ALLOW_VOLATILE_REDIS: 'true' | 'false' = 'false';

  @IsString()
  CORS_ORIGINS = '';

  @IsOptional()
  @IsString()
  OAUTH_CLIENTS?: string;

  @IsInt()
  @Min(1)
  THROTTLE_OAUTH_CLIENT_LIMIT = 10;

  // No default: unset means on, except when NODE_ENV=production (app.config.ts decides).
  @IsOptional()
  @IsIn(['true', 'false'])
  API_DOCS?: 'true' | 'false';

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must look like redis://host:6379 or rediss://host:6380' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must look like host1:26379,host2:26379' })
  REDIS_SENTINELS?: string;

  @IsString()
  REDIS_SENTINEL_NAME = 'mymaster';

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must look like host1:6379,host2:6379' })
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @IsString()
  REDIS_USERNAME?: string;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @IsIn(['true', 'false'])
  REDIS_TLS: 'true' | 'false' = 'false';

  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  @IsInt()
  @Min(0)
  @Max(16)
  REDIS_WAIT_REPLICAS = 0;

  @IsInt()
  @Min(10)
  @Max(60000)
  REDIS_WAIT_TIMEOUT_MS = 250;

  @IsString()
  @Matches(/^$|^(true|false|\d{1,2}|[0-9a-fA-F.:/,\s]+)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses/CIDRs',
  })
  TRUST_PROXY = 'false';

  @IsString()
  @Matches(/^[A-Za-z0-9:_-]{0,32}$/, { message: 'REDIS_KEY_PREFIX may hold up to 32 of A-Z a-z 0-9 : _ -' })
  REDIS_KEY_PREFIX = 'auth:';

  @IsInt()
  @Min(50)
  @Max(10000)
  REDIS_COMMAND_TIMEOUT_MS = 500;

  @IsInt()
  @Min(100)
  @Max(600_000)
  REDIS_SOCKET_TIMEOUT_MS = 5000;

  @IsInt()
  @Min(0)
  @Max(64)
  PASSWORD_HASH_CONCURRENCY = 0;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must look like postgres://user:password@host:5432/database',
  })
  DATABASE_URL?: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE = 10;

  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 2000;

  @IsIn(['true', 'false'])
  DATABASE_TLS: 'true' | 'false' = 'false';

  @IsOptional()
  @IsString()
  DATABASE_TLS_CA_FILE?: string;

  @IsString()
  DATABASE_DIR = './data';

  @IsIn(['true', 'false'])
  DATABASE_MIGRATE: 'true' | 'false' = 'true';

  @IsIn(['on', 'off'])
  REVOCATION_MIRROR: 'on' | 'off' = 'on';

  @IsInt()
  @Min(10)
  @Max(1000)
  REVOCATION_MIRROR_MAX_STALENESS_MS = 100;

  @IsInt()
  @Min(1000)
  @Max(10_000_000)
  REVOCATION_MIRROR_MAX_ENTRIES = 100_000;
}

/** Thrown when the environment cannot run the app; its message is the one line the operator reads. */
export class ConfigValidationError extends StartupRefusedError {
  override readonly name = 'ConfigValidationError';
}

const INT_FIELDS = [
  'PORT',
  'JWT_CLOCK_TOLERANCE',
  'JWT_VERIFY_CACHE_SIZE',
  'REDIS_COMMAND_TIMEOUT_MS',
  'REDIS_SOCKET_TIMEOUT_MS',
  'SESSIONS_PER_USER',
  'THROTTLE_IP_LIMIT',
  'THROTTLE_ACCOUNT_LIMIT',
  'THROTTLE_ACCOUNT_GLOBAL_LIMIT',
  'REDIS_WAIT_REPLICAS',
  'DATABASE_POOL_SIZE',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'REDIS_WAIT_TIMEOUT_MS',
  'PASSWORD_HASH_CONCURRENCY',
  'REVOCATION_MIRROR_MAX_STALENESS_MS',
  'REVOCATION_MIRROR_MAX_ENTRIES',
  'THROTTLE_OAUTH_CLIENT_LIMIT',
];

export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const known = new Set(Object.keys(new EnvironmentVariables()).concat(OPTIONAL_KEYS));
  const present = Object.fromEntries(
    Object.entries(raw).filter(([key, value]) => known.has(key) && value !== undefined && value !== ''),
  );
  for (const key of INT_FIELDS) {
    if (typeof present[key] === 'string' && /^-?\d+$/.test(present[key])) present[key] = Number(present[key]);
  }
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const problems = validateSync(env, { skipMissingProperties: false }).flatMap(describe);

  // It keys the HS256 signatures and the refresh-token digests: a full 256-bit key either way.
  const secretProblem = weakSecretReason(env.JWT_SECRET, SIGNING_SECRET_BITS);
  if (secretProblem) {
    problems.unshift(
      `JWT_SECRET ${secretProblem}: set it to 32 random bytes or more, e.g. JWT_SECRET="$(openssl rand -base64 32)"`,
    );
  }
  const metricsTokenProblem = env.METRICS_TOKEN && weakSecretReason(env.METRICS_TOKEN);
  if (metricsTokenProblem) {
    problems.push(
      `METRICS_TOKEN ${metricsTokenProblem}: set it to at least 32 random characters, e.g. METRICS_TOKEN="$(openssl rand -hex 32)", or leave it unset`,
    );
  }
  problems.push(...parseOAuthClients(env.OAUTH_CLIENTS, env.JWT_SECRET).problems);
  problems.push(...parseCorsOrigins(env.CORS_ORIGINS).problems);
  for (const key of [
    'JWT_ACCESS_TTL',
    'JWT_REFRESH_TTL',
    'SESSION_MAX_AGE',
    'THROTTLE_WINDOW',
    'THROTTLE_ACCOUNT_GLOBAL_WINDOW',
    'AUDIT_RETENTION',
  ] as const) {
    if (parseDurationSeconds(env[key]) === undefined) {
      problems.push(`${key} must be a duration of at least 1s, like 900 or 15m (got "${env[key]}")`);
    }
  }
  if (parseDurationSeconds(env.REFRESH_REUSE_GRACE, { allowZero: true }) === undefined) {
    problems.push(
      `REFRESH_REUSE_GRACE must be a duration like 10s, or 0 to turn it off (got "${env.REFRESH_REUSE_GRACE}")`,
    );
  }
  if (env.NODE_ENV === 'production' && env.REVOCATION_CHECK === 'off') {
    problems.push('REVOCATION_CHECK=off is for benchmarks only and refused when NODE_ENV=production');
  }
  const topologies = [env.REDIS_URL, env.REDIS_SENTINELS, env.REDIS_CLUSTER_NODES].filter(Boolean).length;
  if (topologies > 1) {
    problems.push('set only one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES');
  }
  if (env.REDIS_SOCKET_TIMEOUT_MS <= env.REDIS_COMMAND_TIMEOUT_MS) {
    problems.push(
      `REDIS_SOCKET_TIMEOUT_MS (${env.REDIS_SOCKET_TIMEOUT_MS}) must be greater than REDIS_COMMAND_TIMEOUT_MS (${env.REDIS_COMMAND_TIMEOUT_MS}): a connection is taken for dead only after staying silent longer than one command may take`,
    );
  }
  for (const key of ['REDIS_TLS_CA_FILE', 'DATABASE_TLS_CA_FILE'] as const) {
    const caFileProblem = env[key] && unreadableFileReason(env[key]);
    if (caFileProblem) problems.push(`${key} must be a readable PEM CA bundle: "${env[key]}" ${caFileProblem}`);
  }
  problems.push(...readKeyFiles(env).problems);
  if (env.NODE_ENV === 'production' && topologies === 0) {
    problems.push(
      'REDIS_URL (or REDIS_SENTINELS or REDIS_CLUSTER_NODES) must be set when NODE_ENV=production: the in-memory store loses every revocation on restart',
    );
  }
  if (env.NODE_ENV === 'production' && env.METRICS_ENABLED === 'true' && !env.METRICS_TOKEN) {
    problems.push(
      'METRICS_TOKEN must be set when NODE_ENV=production and METRICS_ENABLED=true, or /metrics is public: set METRICS_TOKEN="$(openssl rand -hex 32)", or METRICS_ENABLED=false',
    );
  }
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
    problems.push(
      'DATABASE_URL must be set when NODE_ENV=production: the embedded database (PGlite) is for one local instance',
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(`Invalid configuration: ${problems.join('; ')}`);
  return env;
}

/**
 * Validates the environment (with `.env` from the working directory, if present, under it) before Nest starts,
 * so a bad setting stops the process with one line instead of a stack trace.
 */
export function assertValidEnvironment(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  readEnv();
}

/** The validated environment of this process; every config namespace is built from it. */
export function readEnv(): EnvironmentVariables {
  return validateEnv(process.env);
}

/** Why a file cannot be read at start (so redis.config.ts can read it), or undefined when it can. */
function unreadableFileReason(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
  }
}

function describe(error: ValidationError): string[] {
  return Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`);
}
