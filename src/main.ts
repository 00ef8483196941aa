import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { createHttpAdapter, setUpApp } from './app.setup.js';
import { StartupRefusedError } from './common/errors/startup-refused.error.js';
import { loadConfig, processSettings } from './config/load-config.js';

async function bootstrap(): Promise<void> {
  // The one validation of this start: a bad setting stops the process here with one line, before Nest starts.
  const config = loadConfig(processSettings());
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config.app),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  // On SIGTERM: stop accepting, drain in-flight requests, close Redis, then exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  await setUpApp(app);
  await app.listen(config.app.port, config.app.host);
}

bootstrap().catch((error: unknown) => {
  const line =
    error instanceof StartupRefusedError
      ? error.message
      : `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  // Exit only once the line is out: the Redis connection may still hold the event loop open.
  process.stderr.write(`${line}\n`, () => process.exit(1));
});
