import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config.js';
import { databaseConfig } from './database.config.js';
import { validateEnv } from './env.validation.js';
import { jwtConfig } from './jwt.config.js';
import { loggingConfig } from './logging.config.js';
import { metricsConfig } from './metrics.config.js';
import { oauthConfig } from './oauth.config.js';
import { redisConfig } from './redis.config.js';
import { sessionConfig } from './session.config.js';
import { throttleConfig } from './throttle.config.js';

/** Loads `.env` (if any), validates the whole environment once at boot, and exposes typed namespaces. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [
        appConfig,
        databaseConfig,
        jwtConfig,
        loggingConfig,
        metricsConfig,
        oauthConfig,
        redisConfig,
        sessionConfig,
        throttleConfig,
      ],
      // Validated for the error; the raw strings stay in process.env, where the namespaces read them.
      validate: (raw) => {
        validateEnv(raw);
        return raw;
      },
    }),
  ],
})
export class AppConfigModule {}
