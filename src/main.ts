import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createHttpAdapter, setUpApp } from './app.setup.js';
import type { AllConfig } from './config/config.types.js';
import { StartupRefusedError } from './common/errors/startup-refused.error.js';
import { assertValidEnvironment } from './config/env.validation.js';

async function bootstrap(): Promise<void> {
  assertValidEnvironment();
  // Imported only once the environment is known to be valid: loading the module graph runs ConfigModule.forRoot.
  const { AppModule } = await import('./app.module.js');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const config = app.get(ConfigService<AllConfig, true>).get('app', { infer: true });
  // On SIGTERM: stop accepting, drain in-flight requests, close Redis, then exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  await setUpApp(app);
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: unknown) => {
  const line =
    error instanceof StartupRefusedError
      ? error.message
      : `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  // Exit only once the line is out: the Redis connection may still hold the event loop open.
  process.stderr.write(`${line}\n`, () => process.exit(1));
});
