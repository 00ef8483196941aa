import { randomBytes } from 'node:crypto';
import { validateEnv } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

describe('metrics settings', () => {
  it('serves metrics, without a token, by default', () => {
    const env = validateEnv({ JWT_SECRET: STRONG_SECRET });
    expect(env.METRICS_ENABLED).toBe('true');
    expect(env.METRICS_TOKEN).toBeUndefined();
  });

  it('accepts a random METRICS_TOKEN', () => {
    const token = randomBytes(32).toString('hex');
    expect(validateEnv({ JWT_SECRET: STRONG_SECRET, METRICS_TOKEN: token }).METRICS_TOKEN).toBe(token);
  });

  it.each([
    ['short', 'k7Qp2xZr9B', /METRICS_TOKEN is shorter than 32 characters/],
    ['a placeholder', 'change-me-change-me-change-me-change-me-123', /METRICS_TOKEN looks like a placeholder/],
    ['repetitive', 'ab'.repeat(20), /METRICS_TOKEN has too few distinct characters/],
  ])('refuses a %s METRICS_TOKEN with one line that says what to set', (_case, token, reason) => {
    const attempt = () => validateEnv({ JWT_SECRET: STRONG_SECRET, METRICS_TOKEN: token });
    expect(attempt).toThrow(reason);
    expect(attempt).toThrow(/openssl rand -hex 32/);
  });

  it('refuses METRICS_ENABLED other than true or false', () => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, METRICS_ENABLED: 'no' })).toThrow(/METRICS_ENABLED/);
  });
});
