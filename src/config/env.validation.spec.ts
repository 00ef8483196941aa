import { randomBytes } from 'node:crypto';
import { ConfigValidationError } from './env.validation.js';
import { validateEnv } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

describe('validateEnv', () => {
  it('applies the documented defaults', () => {
    const env = validateEnv({ JWT_SECRET: STRONG_SECRET });
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      JWT_ACCESS_TTL: '15m',
      JWT_ISSUER: 'revocable-jwt-api',
      JWT_AUDIENCE: 'revocable-jwt-api',
      JWT_CLOCK_TOLERANCE: 5,
      REDIS_KEY_PREFIX: 'auth:',
    });
    expect(env.REDIS_URL).toBeUndefined();
  });

  it.each([
    ['missing', undefined, /JWT_SECRET is not set/],
    ['short', 'tooShort123', /JWT_SECRET is shorter than 32 characters/],
    ['a placeholder', 'change-me-please-0123456789abcdefghijkl', /JWT_SECRET looks like a placeholder/],
    ['repetitive', 'a'.repeat(40), /JWT_SECRET has too few distinct characters/],
  ])('refuses a %s JWT_SECRET with one line that says what to set', (_case, secret, reason) => {
    expect(() => validateEnv({ JWT_SECRET: secret })).toThrow(ConfigValidationError);
    expect(() => validateEnv({ JWT_SECRET: secret })).toThrow(reason);
    expect(() => validateEnv({ JWT_SECRET: secret })).toThrow(/openssl rand/);
  });

  it.each([
    ['the alphabet and digits', 'abcdefghijklmnopqrstuvwxyz012345'],
    ['a run of digits', '1234567890'.repeat(8)],
    ['an English passphrase', 'correct horse battery staple jumps over the lazy dog twice'],
    ['a 128-bit hex key', randomBytes(16).toString('hex')],
  ])('refuses %s as JWT_SECRET: under 256 bits, and says what to set', (_case, secret) => {
    expect(() => validateEnv({ JWT_SECRET: secret })).toThrow(
      /^Invalid configuration: JWT_SECRET holds about \d+ bits of entropy, under the 256 it needs: set it to 32 random bytes or more, e\.g\. JWT_SECRET="\$\(openssl rand -base64 32\)"$/,
    );
  });

  it.each([
    ['openssl rand -hex 32', randomBytes(32).toString('hex')],
    ['openssl rand -base64 32', randomBytes(32).toString('base64')],
    ['32 random bytes in base64url', randomBytes(32).toString('base64url')],
  ])('accepts a JWT_SECRET from %s', (_case, secret) => {
    expect(validateEnv({ JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
  });

  describe('metrics in production', () => {
    const production = { NODE_ENV: 'production', REDIS_URL: 'redis://x:6379', DATABASE_URL: 'postgres://u:p@db/x' };

    it('refuses to serve /metrics without METRICS_TOKEN, with one line that says what to set', () => {
      expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, ...production })).toThrow(
        'Invalid configuration: METRICS_TOKEN must be set when NODE_ENV=production and METRICS_ENABLED=true, or /metrics is public: set METRICS_TOKEN="$(openssl rand -hex 32)", or METRICS_ENABLED=false',
      );
    });

    it('starts with a METRICS_TOKEN, or with METRICS_ENABLED=false', () => {
      const token = randomBytes(32).toString('hex');
      expect(validateEnv({ JWT_SECRET: STRONG_SECRET, ...production, METRICS_TOKEN: token }).METRICS_TOKEN).toBe(token);
      expect(validateEnv({ JWT_SECRET: STRONG_SECRET, ...production, METRICS_ENABLED: 'false' }).METRICS_ENABLED).toBe(
        'false',
      );
    });
  });

  it('applies the throttling defaults: 10 failures per account and address a minute, 100 per account an hour', () => {
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET })).toMatchObject({
      THROTTLE_WINDOW: '1m',
      THROTTLE_IP_LIMIT: 30,
      THROTTLE_ACCOUNT_LIMIT: 10,
      THROTTLE_ACCOUNT_GLOBAL_LIMIT: 100,
      THROTTLE_ACCOUNT_GLOBAL_WINDOW: '1h',
    });
  });

  it('reads integers only as decimal digits', () => {
    for (const PORT of [' ', '1e3', '0x10', '3.5', 'abc']) {
      expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, PORT })).toThrow(/PORT must be an integer number/);
    }
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, PORT: '4000' }).PORT).toBe(4000);
  });

  it('refuses to switch the revocation check off in production', () => {
    expect(() =>
      validateEnv({
        JWT_SECRET: STRONG_SECRET,
        NODE_ENV: 'production',
        REDIS_URL: 'redis://x:6379',
        REVOCATION_CHECK: 'off',
      }),
    ).toThrow(/REVOCATION_CHECK=off is for benchmarks only/);
  });

  it('refuses the in-memory store in production', () => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, NODE_ENV: 'production' })).toThrow(
      /REDIS_URL \(or REDIS_SENTINELS or REDIS_CLUSTER_NODES\) must be set/,
    );
  });

  it('accepts exactly one Redis topology', () => {
    const sentinel = { REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_NAME: 'primary' };
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, ...sentinel }).REDIS_SENTINELS).toBe('a:26379,b:26379');
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, REDIS_CLUSTER_NODES: 'n1:7000' }).REDIS_CLUSTER_NODES).toBe(
      'n1:7000',
    );
    expect(() =>
      validateEnv({ JWT_SECRET: STRONG_SECRET, REDIS_URL: 'redis://x:6379', REDIS_CLUSTER_NODES: 'n1:7000' }),
    ).toThrow(/only one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES/);
  });

  it.each([
    ['JWT_ACCESS_TTL', 'soon'],
    ['JWT_ACCESS_TTL', '0'],
    ['PORT', 'eighty'],
    ['JWT_CLOCK_TOLERANCE', '-1'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_KEY_PREFIX', 'has spaces'],
    ['REDIS_SENTINELS', 'no-port'],
    ['REDIS_CLUSTER_NODES', 'a:1,,b:2'],
    ['REDIS_WAIT_REPLICAS', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['API_DOCS', 'yes'],
    ['DATABASE_URL', 'localhost:5432/db'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '1001'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '50'],
    ['DATABASE_TLS', 'yes'],
    ['DATABASE_MIGRATE', 'no'],
    ['AUDIT_RETENTION', 'forever'],
    ['THROTTLE_ACCOUNT_GLOBAL_LIMIT', '0'],
    ['THROTTLE_ACCOUNT_GLOBAL_WINDOW', 'an hour'],
  ])('refuses %s=%s', (key, value) => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, [key]: value })).toThrow(new RegExp(key));
  });

  it('refuses the embedded database in production, with one line that says what to set', () => {
    expect(() =>
      validateEnv({ JWT_SECRET: STRONG_SECRET, NODE_ENV: 'production', REDIS_URL: 'redis://x:6379' }),
    ).toThrow(/DATABASE_URL must be set when NODE_ENV=production/);
    const production = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://x:6379',
      DATABASE_URL: 'postgres://u:p@db/x',
      METRICS_TOKEN: randomBytes(32).toString('hex'),
    };
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, ...production }).DATABASE_URL).toBe('postgres://u:p@db/x');
  });

  it('refuses a DATABASE_TLS_CA_FILE that cannot be read, naming it', () => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, DATABASE_TLS_CA_FILE: '/no/such/ca.pem' })).toThrow(
      /DATABASE_TLS_CA_FILE must be a readable PEM CA bundle: "\/no\/such\/ca.pem"/,
    );
  });

  it('applies the database defaults', () => {
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET })).toMatchObject({
      DATABASE_POOL_SIZE: 10,
      DATABASE_STATEMENT_TIMEOUT_MS: 2000,
      DATABASE_TLS: 'false',
      DATABASE_DIR: './data',
      DATABASE_MIGRATE: 'true',
      AUDIT_RETENTION: '365d',
    });
  });

  it('accepts durations in seconds or with a unit', () => {
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, JWT_ACCESS_TTL: '900' }).JWT_ACCESS_TTL).toBe('900');
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, JWT_ACCESS_TTL: '1h' }).JWT_ACCESS_TTL).toBe('1h');
  });
});
