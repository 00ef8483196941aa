import { generateKeyPairSync } from 'node:crypto';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import * as classValidator from 'class-validator';
import { AppModule } from '../src/app.module.js';
import { createHttpAdapter } from '../src/app.setup.js';
import type { AllConfig } from '../src/config/config.types.js';
import { loadConfig } from '../src/config/load-config.js';
import { STRONG_SECRET } from '../src/config/testing/strong-secret.js';

describe('loadConfig for an app boot', () => {
  let dir: string;
  let settings: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rjwt-config-'));
    const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const previous = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'signing.pem'), signing.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'previous.pem'), previous.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    settings = {
      JWT_SECRET: STRONG_SECRET,
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY_FILE: join(dir, 'signing.pem'),
      JWT_VERIFY_KEY_FILES: join(dir, 'previous.pem'),
      DATABASE_TLS_CA_FILE: join(dir, 'ca.pem'),
      DATABASE_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
    };
  });

  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates once and reads each file once for a whole app boot, which reads the result it was given', async () => {
    const validations = jest.spyOn(classValidator, 'validateSync');
    const reads = jest.spyOn(fs, 'readFileSync');
    const config = loadConfig(settings);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
    const app = moduleRef.createNestApplication(createHttpAdapter(config.app));
    try {
      await app.init();
      const service = app.get(ConfigService<AllConfig, true>);
      expect(service.get('jwt', { infer: true })).toBe(config.jwt);
      expect(service.get('database', { infer: true }).tlsCa).toContain('BEGIN CERTIFICATE');
    } finally {
      await app.close();
    }
    expect(validations).toHaveBeenCalledTimes(1);
    const readsOf = (name: string) => reads.mock.calls.filter(([path]) => path === join(dir, name)).length;
    expect([readsOf('signing.pem'), readsOf('previous.pem'), readsOf('ca.pem')]).toEqual([1, 1, 1]);
  });
});
