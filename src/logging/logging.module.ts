import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { AllConfig } from '../config/config.types.js';
import { loggerParams } from './logger-params.js';
import { RequestLogHook } from './request-log.hook.js';

/** Structured logs (pino through nestjs-pino) and the per-request line. `main.ts` makes it the app's logger. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => loggerParams(config.get('logging', { infer: true })),
    }),
  ],
  providers: [RequestLogHook],
})
export class LoggingModule {}
