import type { ConfigService } from '@nestjs/config';
import argon2 from 'argon2';
import type { AllConfig } from '../config/config.types.js';
import { PasswordHasher } from './password-hasher.service.js';

const hasherWith = (concurrency: number) =>
  new PasswordHasher({ get: () => concurrency } as unknown as ConfigService<AllConfig, true>);

describe('PasswordHasher', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hashes with argon2id at OWASP minimum parameters, and verifies', async () => {
    const hasher = hasherWith(2);
    const hash = await hasher.hash('correct horse battery staple');
    const [, algorithm, , parameters] = hash.split('$');
    expect(algorithm).toBe('argon2id');
    expect(new Set(parameters.split(','))).toEqual(new Set(['m=19456', 't=2', 'p=1']));
    expect(await hasher.verify(hash, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(hash, 'wrong')).toBe(false);
  });

  it('answers false for an unknown account after verifying against the dummy hash (same work)', async () => {
    const hasher = hasherWith(1);
    await hasher.onModuleInit();
    const verify = jest.spyOn(argon2, 'verify');
    expect(await hasher.verify(undefined, 'anything')).toBe(false);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0][0]).toMatch(/^\$argon2id\$/);
  });

  it('runs at most PASSWORD_HASH_CONCURRENCY hashes at once; the rest queue', async () => {
    const hasher = hasherWith(2);
    const hash = await hasher.hash('p4ssword-for-the-queue');
    let running = 0;
    let most = 0;
    const verify = argon2.verify.bind(argon2);
    jest.spyOn(argon2, 'verify').mockImplementation(async (...args: Parameters<typeof argon2.verify>) => {
      most = Math.max(most, ++running);
      try {
        return await verify(...args);
      } finally {
        running -= 1;
      }
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => hasher.verify(hash, 'p4ssword-for-the-queue')));
    expect(results).toEqual(Array(6).fill(true));
    expect(most).toBe(2);
  });
});
