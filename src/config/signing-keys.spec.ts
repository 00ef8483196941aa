import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from './env.validation.js';
import { validateEnv } from './load-config.js';
import { readKeyFiles } from './signing-keys.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

let dir: string;
/** Writes `content` to a fresh file in the temporary directory and returns its path. */
let write: (name: string, content: string) => string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-keys-'));
  write = (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
const ed25519 = () => generateKeyPairSync('ed25519');

const pkcs8 = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }) as string;
const spki = (key: KeyObject) => key.export({ format: 'pem', type: 'spki' }) as string;

/** The one-line message validateEnv refuses `env` with (JWT_SECRET supplied). */
function refusal(env: Record<string, string>): string {
  try {
    validateEnv({ JWT_SECRET: STRONG_SECRET, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/\n/);
    return message;
  }
  throw new Error(`validateEnv accepted ${JSON.stringify(env)}`);
}

describe('JWT_ALGORITHM', () => {
  it('defaults to HS256, with no key file', () => {
    const env = validateEnv({ JWT_SECRET: STRONG_SECRET });
    expect(env.JWT_ALGORITHM).toBe('HS256');
    expect(readKeyFiles(env)).toEqual({ verifyOnly: [], problems: [] });
  });

  it.each(['HS512', 'none', 'RS512', 'eddsa'])('refuses JWT_ALGORITHM=%s, naming the accepted values', (algorithm) => {
    expect(refusal({ JWT_ALGORITHM: algorithm })).toMatch(/JWT_ALGORITHM must be one of .*HS256, RS256, ES256, EdDSA/);
  });

  it('still requires JWT_SECRET with an asymmetric algorithm: it keys the refresh tokens', () => {
    const path = write('still-secret.pem', pkcs8(ec('P-256').privateKey));
    expect(() => validateEnv({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: path })).toThrow(/JWT_SECRET is not set/);
  });
});

describe('JWT_PRIVATE_KEY_FILE', () => {
  it.each([
    ['RS256', 'PKCS#8', () => pkcs8(rsa(2048).privateKey)],
    ['RS256', 'traditional PKCS#1', () => rsa(3072).privateKey.export({ format: 'pem', type: 'pkcs1' }) as string],
    ['ES256', 'PKCS#8', () => pkcs8(ec('P-256').privateKey)],
    ['ES256', 'traditional SEC1', () => ec('P-256').privateKey.export({ format: 'pem', type: 'sec1' }) as string],
    ['EdDSA', 'PKCS#8', () => pkcs8(ed25519().privateKey)],
  ])('accepts a %s key in %s PEM and loads it as the private signing key', (algorithm, _format, pem) => {
    const path = write(`${algorithm}-${_format.replace(/\W/g, '')}.pem`, pem());
    const env = validateEnv({ JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: path });
    const files = readKeyFiles(env);
    expect(files.problems).toEqual([]);
    expect(files.signing).toEqual({ algorithm, key: expect.objectContaining({ type: 'private' }) });
  });

  it.each(['RS256', 'ES256', 'EdDSA'])('is required with %s, and the line says how to make one', (algorithm) => {
    expect(refusal({ JWT_ALGORITHM: algorithm })).toMatch(
      new RegExp(`JWT_PRIVATE_KEY_FILE must be set when JWT_ALGORITHM=${algorithm}: .*openssl genpkey`),
    );
  });

  it('is refused with HS256, which signs with JWT_SECRET', () => {
    const path = write('hs256-with-key.pem', pkcs8(ec('P-256').privateKey));
    expect(refusal({ JWT_PRIVATE_KEY_FILE: path })).toBe(
      "Invalid configuration: JWT_PRIVATE_KEY_FILE is only read with JWT_ALGORITHM=RS256, ES256 or EdDSA (HS256 signs with JWT_SECRET): set JWT_ALGORITHM to the key's algorithm, or unset JWT_PRIVATE_KEY_FILE",
    );
  });

  it('refuses a path that does not exist, naming the path', () => {
    const missing = join(dir, 'missing.pem');
    expect(refusal({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: missing })).toBe(
      `Invalid configuration: JWT_PRIVATE_KEY_FILE must be an unencrypted PEM private key (PKCS#8 or traditional): "${missing}" does not exist`,
    );
  });

  it('refuses a directory', () => {
    expect(refusal({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: dir })).toMatch(`"${dir}" is not a file`);
  });

  it('refuses a public key and garbage, without echoing the file', () => {
    const cases = [
      write('public.pem', spki(ec('P-256').publicKey)),
      write('garbage.pem', 'not-a-key-but-sensitive-text-0123456789'),
    ];
    for (const path of cases) {
      const message = refusal({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: path });
      expect(message).toMatch(
        `JWT_PRIVATE_KEY_FILE must be an unencrypted PEM private key (PKCS#8 or traditional): "${path}" holds no such key`,
      );
      expect(message).not.toMatch(/BEGIN|sensitive/);
    }
  });

  it.each([
    ['PKCS#8', 'pkcs8'],
    ['traditional SEC1', 'sec1'],
  ] as const)('refuses an encrypted %s key', (_format, type) => {
    const { privateKey } = ec('P-256');
    const pem = privateKey.export({ format: 'pem', type, cipher: 'aes-256-cbc', passphrase: 'pass phrase' });
    const path = write(`encrypted-${type}.pem`, pem as string);
    expect(refusal({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: path })).toMatch(`"${path}" is encrypted`);
  });

  it.each([
    [
      'RS256',
      'a 1024-bit RSA key',
      () => rsa(1024),
      /needs an RSA key of at least 2048 bits: generate one with `openssl genpkey -algorithm RSA/,
    ],
    [
      'RS256',
      'an EC key on the P-256 curve',
      () => ec('P-256'),
      /needs an RSA key of at least 2048 bits: set JWT_ALGORITHM=ES256, or generate one/,
    ],
    [
      'ES256',
      'an EC key on the P-384 curve',
      () => ec('P-384'),
      /needs an EC key on the P-256 curve: generate one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256/,
    ],
    [
      'ES256',
      'an Ed25519 key',
      ed25519,
      /needs an EC key on the P-256 curve: set JWT_ALGORITHM=EdDSA, or generate one/,
    ],
    [
      'EdDSA',
      'a 2048-bit RSA key',
      () => rsa(2048),
      /needs an Ed25519 key: set JWT_ALGORITHM=RS256, or generate one with `openssl genpkey -algorithm ed25519/,
    ],
    ['EdDSA', 'an Ed448 key', () => generateKeyPairSync('ed448'), /needs an Ed25519 key: generate one/],
  ])('with %s refuses %s, in one line that says what to set', (algorithm, described, pair, fix) => {
    const path = write(`mismatch-${algorithm}-${described.replace(/\W/g, '')}.pem`, pkcs8(pair().privateKey));
    const message = refusal({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: path });
    expect(message).toMatch(`JWT_PRIVATE_KEY_FILE "${path}" holds ${described}, but JWT_ALGORITHM=${algorithm}`);
    expect(message).toMatch(fix);
  });
});

describe('JWT_VERIFY_KEY_FILES', () => {
  it('loads public keys, and only the public half of a private key file, trimming the list', () => {
    const signing = write('verify-signing.pem', pkcs8(ec('P-256').privateKey));
    const publicPem = write('verify-public.pem', spki(ec('P-256').publicKey));
    const privatePem = write('verify-private.pem', pkcs8(ec('P-256').privateKey));
    const env = validateEnv({
      JWT_SECRET: STRONG_SECRET,
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY_FILE: signing,
      JWT_VERIFY_KEY_FILES: ` ${publicPem} ,${privatePem},`,
    });
    const { verifyOnly, problems } = readKeyFiles(env);
    expect(problems).toEqual([]);
    expect(verifyOnly.map(({ algorithm, key }) => [algorithm, key.type])).toEqual([
      ['ES256', 'public'],
      ['ES256', 'public'],
    ]);
  });

  it('accepts a key of another supported algorithm, which a rotation may move to', () => {
    const signing = write('cross-signing.pem', pkcs8(rsa(2048).privateKey));
    const next = write('cross-next.pem', spki(ed25519().publicKey));
    const env = validateEnv({
      JWT_SECRET: STRONG_SECRET,
      JWT_ALGORITHM: 'RS256',
      JWT_PRIVATE_KEY_FILE: signing,
      JWT_VERIFY_KEY_FILES: next,
    });
    expect(readKeyFiles(env).verifyOnly.map(({ algorithm }) => algorithm)).toEqual(['EdDSA']);
  });

  it('is refused with HS256', () => {
    const path = write('hs256-verify.pem', spki(ec('P-256').publicKey));
    expect(refusal({ JWT_VERIFY_KEY_FILES: path })).toMatch(
      /^Invalid configuration: JWT_VERIFY_KEY_FILES is only read with JWT_ALGORITHM=RS256, ES256 or EdDSA .*unset JWT_VERIFY_KEY_FILES$/,
    );
  });

  it('refuses a missing file and an unsupported key, one problem each, in one line', () => {
    const signing = write('problems-signing.pem', pkcs8(ec('P-256').privateKey));
    const missing = join(dir, 'gone.pub.pem');
    const small = write('small.pub.pem', spki(rsa(1024).publicKey));
    const message = refusal({
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY_FILE: signing,
      JWT_VERIFY_KEY_FILES: `${missing},${small}`,
    });
    expect(message).toBe(
      `Invalid configuration: JWT_VERIFY_KEY_FILES must list readable PEM public keys: "${missing}" does not exist; ` +
        `JWT_VERIFY_KEY_FILES entry "${small}" holds a 1024-bit RSA key: list only RSA of at least 2048 bits (RS256), EC P-256 (ES256) or Ed25519 (EdDSA) keys`,
    );
  });
});
