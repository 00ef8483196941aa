import type { AppConfig } from './app.config.js';
import type { DatabaseConfig } from './database.config.js';
import type { JwtConfig } from './jwt.config.js';
import type { LoggingConfig } from './logging.config.js';
import type { MetricsConfig } from './metrics.config.js';
import type { OAuthConfig } from './oauth.config.js';
import type { RedisConfig } from './redis.config.js';
import type { SessionConfig } from './session.config.js';
import type { ThrottleConfig } from './throttle.config.js';

/** Every config namespace, for `ConfigService<AllConfig, true>` with `{ infer: true }`. */
export interface AllConfig {
  app: AppConfig;
  database: DatabaseConfig;
  jwt: JwtConfig;
  logging: LoggingConfig;
  metrics: MetricsConfig;
  oauth: OAuthConfig;
  redis: RedisConfig;
  session: SessionConfig;
  throttle: ThrottleConfig;
}
