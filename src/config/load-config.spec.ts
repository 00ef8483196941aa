import { loadConfig } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

describe('loadConfig', () => {
  const settings = { JWT_SECRET: STRONG_SECRET };

  it('reads no environment but the settings it is given', () => {
    expect(loadConfig({ ...settings, LOG_LEVEL: 'info', PORT: '4100' })).toMatchObject({
      app: { port: 4100 },
      logging: { level: 'info' },
    });
    // The test environment names a Redis (REDIS_URL); these settings do not.
    expect(loadConfig(settings).redis.topology).toBeUndefined();
    expect(() => loadConfig({ ...settings, JWT_SECRET: undefined })).toThrow(
      /^Invalid configuration: JWT_SECRET is not set/,
    );
  });
});
