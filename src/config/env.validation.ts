// The declared property types, which implicit conversion reads, are emitted as reflect-metadata.
import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
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
import { LOG_LEVELS, type LogLevelSetting } from './logging.config.js';
import { SIGNING_SECRET_BITS, weakSecretReason } from './secret-strength.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './signing-keys.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * An integer written as decimal digits. Implicit conversion alone is `Number()`, which reads " " as 0 and "1e3" or
 * "0x10" as numbers; any other text is left as it is, so `@IsInt()` refuses it by name.
 */
const IsWholeNumber = (): PropertyDecorator => {
  const digits = Transform(({ obj, key, value }: { obj: Record<string, unknown>; key: string; value: unknown }) => {
    const raw = obj[key];
    if (typeof raw !== 'string') return value;
    return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  });
  const integer = IsInt();
  return (target, property) => {
    digits(target, property);
    integer(target, property);
  };
};

const HOST_PORT_LIST = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

/**
 * Raw environment, as the operator writes it. Defaults live here and nowhere else; a property's declared type is its
 * conversion (class-transformer's implicit conversion turns "3000" into 3000 for a `number`), and a setting without a
 * default is `@IsOptional()`.
 */
export class EnvironmentVariables {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsWholeNumber()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  @IsString()
  @Matches(/^$|^[A-Za-z0-9/_-]+$/, { message: 'API_PREFIX may hold only letters, digits, "/", "_" and "-"' })
  API_PREFIX: string = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelSetting = 'log';

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
  JWT_ACCESS_TTL: string = '15m';

  @IsString()
  JWT_ISSUER: string = 'revocable-jwt-api';

  @IsString()
  JWT_AUDIENCE: string = 'revocable-jwt-api';

  @IsWholeNumber()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE: number = 5;

  @IsWholeNumber()
  @Min(0)
  @Max(1_000_000)
  JWT_VERIFY_CACHE_SIZE: number = 10_000;

  @IsString()
  AUDIT_RETENTION: string = '365d';

  @IsIn(['on', 'off'])
  REVOCATION_CHECK: 'on' | 'off' = 'on';

  @IsString()
  JWT_REFRESH_TTL: string = '7d';

  @IsString()
  SESSION_MAX_AGE: string = '30d';

  @IsString()
  REFRESH_REUSE_GRACE: string = '10s';

  @IsWholeNumber()
  @Min(1)
  @Max(1000)
  SESSIONS_PER_USER: number = 50;

  @IsIn(['true', 'false'])
  AUTH_COOKIE: 'true' | 'false' = 'false';

  @IsString()
  THROTTLE_WINDOW: string = '1m';

  @IsWholeNumber()
  @Min(1)
  THROTTLE_IP_LIMIT: number = 30;

  @IsWholeNumber()
  @Min(1)
  THROTTLE_ACCOUNT_LIMIT: number = 10;

  @IsWholeNumber()
  @Min(1)
  THROTTLE_ACCOUNT_GLOBAL_LIMIT: number = 100;

  @IsString()
  THROTTLE_ACCOUNT_GLOBAL_WINDOW: string = '1h';

  @IsIn(['true', 'false'])
  ALLOW_EVICTING_REDIS: 'true' | 'false' = 'false';

  @IsIn(['true', 'false'])
  ALLOW_VOLATILE_REDIS: 'true' | 'false' = 'false';

  @IsString()
  CORS_ORIGINS: string = '';

  @IsOptional()
  @IsString()
  OAUTH_CLIENTS?: string;

  @IsWholeNumber()
  @Min(1)
  THROTTLE_OAUTH_CLIENT_LIMIT: number = 10;

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
  REDIS_SENTINEL_NAME: string = 'mymaster';

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

  @IsWholeNumber()
  @Min(0)
  @Max(16)
  REDIS_WAIT_REPLICAS: number = 0;

  @IsWholeNumber()
  @Min(10)
  @Max(60000)
  REDIS_WAIT_TIMEOUT_MS: number = 250;

  @IsString()
  @Matches(/^$|^(true|false|\d{1,2}|[0-9a-fA-F.:/,\s]+)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses/CIDRs',
  })
  TRUST_PROXY: string = 'false';

  @IsString()
  @Matches(/^[A-Za-z0-9:_-]{0,32}$/, { message: 'REDIS_KEY_PREFIX may hold up to 32 of A-Z a-z 0-9 : _ -' })
  REDIS_KEY_PREFIX: string = 'auth:';

  @IsWholeNumber()
  @Min(50)
  @Max(10000)
  REDIS_COMMAND_TIMEOUT_MS: number = 500;

  @IsWholeNumber()
  @Min(100)
  @Max(600_000)
  REDIS_SOCKET_TIMEOUT_MS: number = 5000;

  @IsWholeNumber()
  @Min(0)
  @Max(64)
  PASSWORD_HASH_CONCURRENCY: number = 0;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must look like postgres://user:password@host:5432/database',
  })
  DATABASE_URL?: string;

  @IsWholeNumber()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE: number = 10;

  @IsWholeNumber()
  @Min(100)
  @Max(60_000)
  DATABASE_STATEMENT_TIMEOUT_MS: number = 2000;

  @IsIn(['true', 'false'])
  DATABASE_TLS: 'true' | 'false' = 'false';

  @IsOptional()
  @IsString()
  DATABASE_TLS_CA_FILE?: string;

  @IsString()
  DATABASE_DIR: string = './data';

  @IsIn(['true', 'false'])
  DATABASE_MIGRATE: 'true' | 'false' = 'true';

  @IsIn(['on', 'off'])
  REVOCATION_MIRROR: 'on' | 'off' = 'on';

  @IsWholeNumber()
  @Min(10)
  @Max(1000)
  REVOCATION_MIRROR_MAX_STALENESS_MS: number = 100;

  @IsWholeNumber()
  @Min(1000)
  @Max(10_000_000)
  REVOCATION_MIRROR_MAX_ENTRIES: number = 100_000;
}

/** Thrown when the environment cannot run the app; its message is the one line the operator reads. */
export class ConfigValidationError extends StartupRefusedError {
  override readonly name = 'ConfigValidationError';
}

/**
 * The settings of `raw` as typed values (unknown keys dropped; unset and empty ones take their default), and every
 * problem found in them that needs no parsing beyond the class's own checks. The namespaces' parsing (durations, key
 * files, clients) adds its own problems: see load-config.ts.
 */
export function parseEnvironment(raw: Record<string, string | undefined>): {
  env: EnvironmentVariables;
  problems: string[];
} {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const env = plainToInstance(EnvironmentVariables, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  // whitelist: drops what the class does not declare (PATH, HOME, …).
  const problems = validateSync(env, { whitelist: true }).flatMap(describe);

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
  return { env, problems };
}

function describe(error: ValidationError): string[] {
  return Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`);
}
