import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { hmacSha256Base64url } from './hmac-sha256.js';

const hex = (text: string) => Buffer.from(text, 'hex');
const expected = (hexDigest: string) => hex(hexDigest).toString('base64url');

describe('hmacSha256Base64url', () => {
  // RFC 4231 §4: the HMAC-SHA-256 test cases (case 5, a truncated output, does not apply).
  it.each([
    ['1', hex('0b'.repeat(20)), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [
      '2',
      Buffer.from('Jefe'),
      'what do ya want for nothing?',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      '6 (a key longer than the block)',
      hex('aa'.repeat(131)),
      'Test Using Larger Than Block-Size Key - Hash Key First',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      '7 (a key and a message longer than the block)',
      hex('aa'.repeat(131)),
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be ' +
        'hashed before being used by the HMAC algorithm.',
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('gives RFC 4231 test case %s', (_case, secret, message, digest) => {
    expect(hmacSha256Base64url(createSecretKey(secret))(message)).toBe(expected(digest));
  });

  it('gives createHmac’s answer for keys of every length around the block and messages of every kind', () => {
    for (const keyLength of [1, 16, 32, 48, 63, 64, 65, 128]) {
      const key = createSecretKey(randomBytes(keyLength));
      const sign = hmacSha256Base64url(key);
      const messages = ['', 'a', 'é😀 non-ASCII', randomBytes(700).toString('base64url')];
      // Past the pads' buffer: by a byte, and by a character that would not fit whole.
      messages.push('x'.repeat(8 * 1024 + 1), `${'x'.repeat(8 * 1024 - 1)}😀`, 'é'.repeat(4097));
      for (const message of [...messages, ...messages]) {
        expect(sign(message)).toBe(createHmac('sha256', key).update(message).digest('base64url'));
      }
    }
  });

  it('gives each message its own answer when called in turn (the buffers are reused)', () => {
    const key = createSecretKey(randomBytes(32));
    const sign = hmacSha256Base64url(key);
    const long = sign('a'.repeat(500));
    expect(sign('a')).toBe(createHmac('sha256', key).update('a').digest('base64url'));
    expect(sign('a'.repeat(500))).toBe(long);
  });
});
