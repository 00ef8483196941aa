import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuditRetention } from './audit/audit-retention.js';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { BodyDepthPipe } from './common/pipes/body-depth.pipe.js';
import { VALIDATION_OPTIONS } from './common/pipes/validation-options.js';
import { AppConfigModule } from './config/config.module.js';
import type { AllConfig } from './config/config.types.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { JwksModule } from './jwks/jwks.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { RedisConnectionModule } from './redis/redis.module.js';

/** The API, built from the config `loadConfig` validated (main.ts, or a test app with its own settings). */
@Module({
  providers: [
    AuditRetention,
    // Pipes run in this order: the depth check first, so validation never meets a hostile shape.
    { provide: APP_PIPE, useClass: BodyDepthPipe },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe(VALIDATION_OPTIONS),
    },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {
  static forRoot(config: AllConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        RedisConnectionModule.forRoot(config.redis),
        DatabaseModule.forRoot('app'),
        AuthModule,
        AdminModule,
        AuditModule,
        HealthModule,
        OAuthModule,
        JwksModule,
        // METRICS_ENABLED=false leaves no trace of it.
        ...(config.metrics.enabled ? [MetricsModule] : []),
      ],
    };
  }
}
