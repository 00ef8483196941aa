import { randomBytes } from 'node:crypto';
import { BEARER_SECRET_BITS, estimateSecretBits, SIGNING_SECRET_BITS, weakSecretReason } from './secret-strength.js';

describe('estimateSecretBits', () => {
  it.each([
    ['64 hex characters (openssl rand -hex 32)', randomBytes(32).toString('hex'), 256],
    ['43 base64url characters', randomBytes(32).toString('base64url'), 258],
    ['44 base64 characters with their padding (openssl rand -base64 32)', randomBytes(32).toString('base64'), 258],
    ['77 digits', '31415926535897932384626433832795028841971693993751058209749445923078164062862', 255.8],
  ])('gives %s the capacity of its alphabet', (_case, secret, bits) => {
    expect(estimateSecretBits(secret).capacityBits).toBeCloseTo(bits, 0);
  });

  it.each([
    ['a run of letters and digits', 'abcdefghijklmnopqrstuvwxyz012345', 40],
    ['a run of digits, 80 long', '1234567890'.repeat(8), 40],
    ['a descending run', '9876543210'.repeat(8), 40],
    ['a repeated phrase', 'change-me-'.repeat(6), 80],
    ['a passphrase of common words', 'correct horse battery staple jumps over the lazy dog twice', 180],
    ['a Capitalised passphrase', 'Correct Horse Battery Staple Is My Favourite Password Forever And Ever', 230],
  ])('prices %s as the pattern it is', (_case, secret, atMost) => {
    const { capacityBits, estimatedBits } = estimateSecretBits(secret);
    expect(estimatedBits).toBeLessThan(atMost);
    expect(estimatedBits).toBeLessThan(capacityBits);
  });
});

describe('weakSecretReason', () => {
  it.each([
    ['the alphabet and digits', 'abcdefghijklmnopqrstuvwxyz012345', /holds about 19 bits of entropy, under the 256/],
    ['a run of digits', '1234567890'.repeat(8), /holds about 25 bits of entropy, under the 256/],
    [
      'an English passphrase',
      'correct horse battery staple jumps over the lazy dog twice',
      /holds about \d+ bits of entropy, under the 256/,
    ],
    ['a 128-bit hex key', randomBytes(16).toString('hex'), /holds about 128 bits of entropy, under the 256/],
    ['40 letters and digits (238 bits)', 'oYpFVkvM5QGcHTpf11K9Wk4hWDWW92GeczY3aInM', /under the 256/],
  ])('refuses %s as an HS256 key', (_case, secret, reason) => {
    expect(weakSecretReason(secret, SIGNING_SECRET_BITS)).toMatch(reason);
  });

  it('accepts 200 random 32-byte keys in each of hex, base64 and base64url as HS256 keys', () => {
    const refused: string[] = [];
    for (let draw = 0; draw < 200; draw += 1) {
      const key = randomBytes(32);
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        const secret = key.toString(encoding);
        if (weakSecretReason(secret, SIGNING_SECRET_BITS)) refused.push(secret);
      }
    }
    expect(refused).toEqual([]);
  });

  it('accepts a 128-bit hex token where only 128 bits are needed (METRICS_TOKEN, client secrets)', () => {
    expect(weakSecretReason('3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e', BEARER_SECRET_BITS)).toBeUndefined();
  });
});
