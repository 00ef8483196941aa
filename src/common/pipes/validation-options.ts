import type { ValidationPipeOptions } from '@nestjs/common';

/**
 * How every request body and query is validated: the global ValidationPipe's settings (app.module.ts), and those of
 * any pipe that stands in for it on a route (the OAuth token requests' fast path), so both give the same errors.
 * A field no DTO rule names is a 400, not silently dropped.
 */
export const VALIDATION_OPTIONS: Readonly<ValidationPipeOptions> = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  stopAtFirstError: false,
});
