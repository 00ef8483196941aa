import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from './env.validation.js';
import { loadConfig, validateEnv } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('REDIS_TLS_CA_FILE', () => {
  let dir: string;
  let caFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-ca-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, PEM);
    chmodSync(caFile, 0o644);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (caPath: string) => ({
    JWT_SECRET: STRONG_SECRET,
    REDIS_URL: 'rediss://redis.internal:6380',
    REDIS_TLS_CA_FILE: caPath,
  });

  it('refuses a CA file that does not exist, with one line that names the variable and the path', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => validateEnv(env(missing))).toThrow(ConfigValidationError);
    expect(() => validateEnv(env(missing))).toThrow(
      `Invalid configuration: REDIS_TLS_CA_FILE must be a readable PEM CA bundle: "${missing}" does not exist`,
    );
    expect(() => validateEnv(env(missing))).not.toThrow(/\n/);
  });

  it('refuses a directory', () => {
    expect(() => validateEnv(env(dir))).toThrow(
      /REDIS_TLS_CA_FILE must be a readable PEM CA bundle: ".*" is not a file/,
    );
  });

  it('accepts a readable file, and is optional (empty means unset)', () => {
    expect(validateEnv(env(caFile)).REDIS_TLS_CA_FILE).toBe(caFile);
    expect(validateEnv(env('')).REDIS_TLS_CA_FILE).toBeUndefined();
  });

  it('is read once into the redis config namespace (undefined when unset)', () => {
    expect(loadConfig(env(caFile)).redis.tlsCa).toBe(PEM);
    expect(loadConfig(env('')).redis.tlsCa).toBeUndefined();
  });
});

describe('REDIS_SOCKET_TIMEOUT_MS', () => {
  const env = (settings: Record<string, string>) => ({ JWT_SECRET: STRONG_SECRET, ...settings });

  it('defaults to 5000 ms, above the default command timeout', () => {
    const validated = validateEnv(env({}));
    expect([validated.REDIS_SOCKET_TIMEOUT_MS, validated.REDIS_COMMAND_TIMEOUT_MS]).toEqual([5000, 500]);
  });

  it('refuses a value not above REDIS_COMMAND_TIMEOUT_MS, with one line that says what to set', () => {
    const tooShort = env({ REDIS_COMMAND_TIMEOUT_MS: '2000', REDIS_SOCKET_TIMEOUT_MS: '2000' });
    expect(() => validateEnv(tooShort)).toThrow(ConfigValidationError);
    expect(() => validateEnv(tooShort)).toThrow(
      'REDIS_SOCKET_TIMEOUT_MS (2000) must be greater than REDIS_COMMAND_TIMEOUT_MS (2000)',
    );
    expect(() => validateEnv(tooShort)).not.toThrow(/\n/);
    expect(() => validateEnv(env({ REDIS_COMMAND_TIMEOUT_MS: '6000' }))).toThrow(/REDIS_SOCKET_TIMEOUT_MS \(5000\)/);
  });

  it('refuses what is not a whole number of milliseconds in range', () => {
    for (const value of ['2s', '-1', '99', '600001']) {
      expect(() => validateEnv(env({ REDIS_SOCKET_TIMEOUT_MS: value }))).toThrow(/REDIS_SOCKET_TIMEOUT_MS/);
    }
    expect(validateEnv(env({ REDIS_SOCKET_TIMEOUT_MS: '3000' })).REDIS_SOCKET_TIMEOUT_MS).toBe(3000);
  });

  it('is read into the redis config namespace', () => {
    expect(loadConfig(env({ REDIS_SOCKET_TIMEOUT_MS: '7000' })).redis.socketTimeoutMs).toBe(7000);
  });
});
