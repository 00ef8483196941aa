import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { BodyDepthPipe } from './common/pipes/body-depth.pipe.js';
import { AppConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { RedisConnectionModule } from './redis/redis.module.js';

@Module({
  imports: [AppConfigModule, RedisConnectionModule, AuthModule, AdminModule, HealthModule],
  providers: [
    // Pipes run in this order: the depth check first, so validation never meets a hostile shape.
    { provide: APP_PIPE, useClass: BodyDepthPipe },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        forbidUnknownValues: true,
        transform: true,
        stopAtFirstError: false,
      }),
    },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {}
