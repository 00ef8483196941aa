import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpAdapter, setUpApp } from './app.setup.js';
import type { AllConfig } from './config/config.types.js';
import { assertValidEnvironment, ConfigValidationError } from './config/env.validation.js';
import { loggerOptions } from './config/logger.options.js';

async function bootstrap(): Promise<void> {
  assertValidEnvironment();
  // Imported only once the environment is known to be valid: loading the module graph runs ConfigModule.forRoot.
  const { AppModule } = await import('./app.module.js');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  const config = app.get(ConfigService<AllConfig, true>).get('app', { infer: true });
  app.useLogger(new ConsoleLogger(loggerOptions(config)));
  // On SIGTERM: stop accepting, drain in-flight requests, close Redis, then exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  await setUpApp(app);
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  // A config error leaves nothing open; any other failure may hold sockets open, so leave at once.
  if (error instanceof ConfigValidationError) process.exitCode = 1;
  else process.exit(1);
});
