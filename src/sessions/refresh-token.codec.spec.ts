import { createHash, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { RefreshTokenCodec, type RefreshTokenParts } from './refresh-token.codec.js';

const TOKEN_BYTES = 84; // two UUIDs, a 32-bit generation, 256 random bits and a 128-bit MAC
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function parts(overrides: Partial<RefreshTokenParts> = {}): RefreshTokenParts {
  return { userId: randomUUID(), sessionId: randomUUID(), generation: 3, ...overrides };
}

/** The same string with the character at `index` replaced by another base64url character. */
function flipChar(token: string, index: number): string {
  const replacement = BASE64URL[(BASE64URL.indexOf(token[index]) + 1) % BASE64URL.length];
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('RefreshTokenCodec', () => {
  const codec = new RefreshTokenCodec(createSecretKey(randomBytes(32)));

  it('reads back the user id, session id and generation it issued', () => {
    for (const generation of [0, 1, 41, 2 ** 32 - 1]) {
      const issued = parts({ generation });
      expect(codec.read(codec.issue(issued).token)).toEqual(issued);
    }
  });

  it('issues 112 base64url characters (84 bytes)', () => {
    const { token } = codec.issue(parts());
    expect(token).toMatch(/^[A-Za-z0-9_-]{112}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(TOKEN_BYTES);
  });

  it('issues a different token each time for the same parts', () => {
    const same = parts();
    const first = codec.issue(same);
    const second = codec.issue(same);
    expect(second.token).not.toBe(first.token);
    expect(second.hash).not.toBe(first.hash);
  });

  it('hashes a token as the base64url SHA-256 of its text', () => {
    const { token, hash } = codec.issue(parts());
    const expected = createHash('sha256').update(token).digest('base64url');
    expect(hash).toBe(expected);
    expect(RefreshTokenCodec.hash(token)).toBe(expected);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a token with any one byte altered', () => {
    const bytes = Buffer.from(codec.issue(parts()).token, 'base64url');
    const accepted: number[] = [];
    for (let index = 0; index < bytes.length; index++) {
      const tampered = Buffer.from(bytes);
      tampered[index] ^= 0x01;
      if (codec.read(tampered.toString('base64url')) !== undefined) accepted.push(index);
    }
    expect(accepted).toEqual([]);
  });

  it('refuses a token with a character changed in its body or in its MAC', () => {
    const { token } = codec.issue(parts());
    expect(codec.read(token)).toBeDefined();
    for (const index of [0, 30, 48, 60, 89]) expect(codec.read(flipChar(token, index))).toBeUndefined(); // body
    for (const index of [92, 100, 111]) expect(codec.read(flipChar(token, index))).toBeUndefined(); // MAC
  });

  it('refuses a token issued under another signing key', () => {
    const other = new RefreshTokenCodec(createSecretKey(randomBytes(32)));
    const { token } = other.issue(parts());
    expect(other.read(token)).toBeDefined();
    expect(codec.read(token)).toBeUndefined();
  });

  it('refuses a token of the wrong length', () => {
    const { token } = codec.issue(parts());
    expect(codec.read(token.slice(0, -4))).toBeUndefined();
    expect(codec.read(token.slice(0, -1))).toBeUndefined();
    expect(codec.read(`${token}AAAA`)).toBeUndefined();
    expect(codec.read(token + token)).toBeUndefined();
    expect(codec.read(randomBytes(TOKEN_BYTES + 3).toString('base64url'))).toBeUndefined();
  });

  it('refuses a token containing characters outside base64url', () => {
    const { token } = codec.issue(parts());
    const at = (index: number, char: string) => token.slice(0, index) + char + token.slice(index + 1);
    for (const char of ['+', '/', '=', ' ', '.', '%']) expect(codec.read(at(20, char))).toBeUndefined();
    expect(codec.read(`${token}=`)).toBeUndefined();
    expect(codec.read(` ${token}`)).toBeUndefined();
    expect(codec.read(`${token}\n`)).toBeUndefined();
  });

  it('refuses an empty string and a non-string', () => {
    expect(codec.read('')).toBeUndefined();
    expect(codec.read(undefined as unknown as string)).toBeUndefined();
  });

  it('refuses a non-canonical spelling of a valid token', () => {
    const { token } = codec.issue(parts());
    // A trailing sixth of a byte decodes to nothing: same bytes, different text, so a different hash.
    const padded = `${token}A`;
    expect(Buffer.from(padded, 'base64url').equals(Buffer.from(token, 'base64url'))).toBe(true);
    expect(codec.read(padded)).toBeUndefined();
  });
});
