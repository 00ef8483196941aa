import { pino, stdTimeFunctions, type DestinationStream, type LoggerOptions } from 'pino';
import type { Params } from 'nestjs-pino';
import { prettyFactory } from 'pino-pretty';
import type { LoggingConfig } from '../config/logging.config.js';

// No line is built from a request or response object, and bodies are never logged; should one ever be, the
// credentials it carries are censored all the same.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
];

/**
 * nestjs-pino's parameters: pino for the whole app (Nest's own lines, `new Logger(...)` everywhere), one JSON object
 * per line, or readable lines with LOG_FORMAT=pretty.
 *
 * pino-http's per-request middleware is not mounted (`forRoutes: []`): it would serialise every request into a child
 * logger and run the rest of the request in an AsyncLocalStorage, which on Node 20 turns on async hooks for every
 * promise. The one line per request comes from a Fastify hook instead (RequestLogHook).
 */
export function loggerParams(logging: LoggingConfig): Params {
  const options: LoggerOptions = {
    level: logging.level,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return { pinoHttp: [options, destination(logging.format)], forRoutes: [] };
}

/**
 * Standard output, written synchronously: a line logged just before `process.exit` is never lost, and there is no
 * worker thread (pino's transports) to keep the process alive or to outlive it.
 */
function destination(format: LoggingConfig['format']): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: true });
  if (format === 'json') return stdout;
  const prettify = prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => stdout.write(prettify(line)) };
}
