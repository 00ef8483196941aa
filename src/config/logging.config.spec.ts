import { loadConfig, validateEnv } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

// What NODE_ENV=production needs to start, metrics off so no METRICS_TOKEN is needed.
const PRODUCTION = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://x:6379',
  DATABASE_URL: 'postgres://x/y',
  METRICS_ENABLED: 'false',
};

/** The `logging` namespace as the app builds it from these settings (and nothing else of the process's). */
function loggingFrom(env: Record<string, string>) {
  return loadConfig({ JWT_SECRET: STRONG_SECRET, ...env }).logging;
}

describe('loggingConfig', () => {
  it.each([
    ['fatal', 'fatal'],
    ['error', 'error'],
    ['warn', 'warn'],
    ['log', 'info'],
    ['debug', 'debug'],
    ['verbose', 'trace'],
    ['info', 'info'],
    ['trace', 'trace'],
    ['silent', 'silent'],
  ])('maps LOG_LEVEL=%s to the pino level %s', (logLevel, pinoLevel) => {
    expect(loggingFrom({ LOG_LEVEL: logLevel }).level).toBe(pinoLevel);
  });

  it.each([
    ['info', ['fatal', 'error', 'warn', 'log']],
    ['log', ['fatal', 'error', 'warn', 'log']],
    ['trace', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
    ['error', ['fatal', 'error']],
    ['silent', []],
  ])("gives LOG_LEVEL=%s in Nest's names as %p", (logLevel, nestLevels) => {
    expect(loggingFrom({ LOG_LEVEL: logLevel }).nestLevels).toEqual(nestLevels);
  });

  it('logs at info (LOG_LEVEL=log) by default', () => {
    expect(loggingFrom({}).level).toBe('info');
  });

  it.each([
    [{}, 'pretty'],
    [{ NODE_ENV: 'development' }, 'pretty'],
    [{ NODE_ENV: 'test' }, 'json'],
    [{ ...PRODUCTION }, 'json'],
    [{ NODE_ENV: 'development', LOG_FORMAT: 'json' }, 'json'],
    [{ ...PRODUCTION, LOG_FORMAT: 'pretty' }, 'pretty'],
  ])('with %p writes %s lines', (env, format) => {
    expect(loggingFrom(env).format).toBe(format);
  });

  it('logs one line per request unless LOG_REQUESTS=false', () => {
    expect(loggingFrom({}).requests).toBe(true);
    expect(loggingFrom({ LOG_REQUESTS: 'false' }).requests).toBe(false);
  });

  it.each([
    ['LOG_FORMAT', 'text'],
    ['LOG_REQUESTS', 'yes'],
  ])('refuses %s=%s', (key, value) => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, [key]: value })).toThrow(new RegExp(key));
  });
});
