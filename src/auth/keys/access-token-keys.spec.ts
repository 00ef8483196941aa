import { createHash, createSecretKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { ConfigService } from '@nestjs/config';
import { SignJWT } from 'jose';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../../config/config.types.js';
import type { JwtConfig } from '../../config/jwt.config.js';
import { newEpochId } from '../../epoch/store-epoch.js';
import type { AlgorithmKey, AsymmetricAlgorithm, SigningAlgorithm } from '../../config/signing-keys.js';
import { principalFromClaims } from '../access-token-claims.js';
import { AccessTokenService } from '../access-token.service.js';
import { AccessTokenKeys, type AcceptedKey } from './access-token-keys.js';
import { secretKeyId, thumbprintKeyId } from './key-ids.js';

const SECRET = 'oYpFVkvM5QGcHTpf11K9Wk4hWDWW92GeczY3aInMRcg';
const secretKey = (secret = SECRET) => createSecretKey(Buffer.from(secret, 'utf8'));
const ISSUER = 'issuer-under-test';
const AUDIENCE = 'audience-under-test';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

// Asynchronous generation: the synchronous one leaves handles that --detectOpenHandles reports.
const generate = promisify(generateKeyPair);
const keyPairs = {
  RS256: () => generate('rsa', { modulusLength: 2048 }),
  ES256: () => generate('ec', { namedCurve: 'P-256' }),
  EdDSA: () => generate('ed25519', {}),
};
type Asymmetric = keyof typeof keyPairs;
const ASYMMETRIC = Object.keys(keyPairs) as Asymmetric[];

function jwtConfig(
  signing: AlgorithmKey,
  verifyOnly: AlgorithmKey<AsymmetricAlgorithm>[] = [],
  verifyCacheSize = 100,
): JwtConfig {
  return {
    secretKey: secretKey(),
    signing,
    verifyOnly,
    accessTtlSeconds: 900,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 5,
    verifyCacheSize,
    revocationCheck: true,
  };
}

/** A keyring signing with a fresh key of `algorithm` (HS256: the secret). */
async function keyringFor(algorithm: SigningAlgorithm, verifyCacheSize?: number): Promise<AccessTokenKeys> {
  const key = algorithm === 'HS256' ? secretKey() : (await keyPairs[algorithm]()).privateKey;
  return AccessTokenKeys.fromConfig(jwtConfig({ algorithm, key }, [], verifyCacheSize));
}

/** RFC 7638 §3, computed here without jose: the required members in lexicographic order, SHA-256, base64url. */
function rfc7638Thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const required = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] }[
    jwk.kty as string
  ];
  const canonical = JSON.stringify(Object.fromEntries((required ?? []).map((member) => [member, jwk[member]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

const decodedHeader = (token: string) => Buffer.from(token.split('.')[0], 'base64url').toString('utf8');

/** 'accepted', or what the 401 says: 'expired' or 'invalid'. */
function outcome(key: AcceptedKey, token: string): string {
  try {
    key.verify(token);
    return 'accepted';
  } catch (error) {
    return /expired/.test((error as Error).message) ? 'expired' : 'invalid';
  }
}

describe('key ids', () => {
  it('derives the RFC 7638 thumbprint of the RFC’s own example key', async () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    await expect(thumbprintKeyId({ kty: 'RSA', n, e: 'AQAB' })).resolves.toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it.each(ASYMMETRIC)('uses the RFC 7638 thumbprint of the public key as the %s kid', async (algorithm) => {
    const { privateKey, publicKey } = await keyPairs[algorithm]();
    const keys = await AccessTokenKeys.fromConfig(jwtConfig({ algorithm, key: privateKey }));
    expect(keys.signing.header.kid).toBe(rfc7638Thumbprint(publicKey));
  });

  it('names the HMAC secret with a stable 16-character id that reveals nothing of it', () => {
    const kid = secretKeyId(secretKey());
    expect(kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(secretKeyId(secretKey())).toBe(kid);
    expect(secretKeyId(secretKey(`${SECRET}x`))).not.toBe(kid);
    const forms = [SECRET, Buffer.from(SECRET).toString('base64url'), Buffer.from(SECRET).toString('hex')];
    for (const form of forms) {
      for (let start = 0; start + 6 <= form.length; start++) expect(kid).not.toContain(form.slice(start, start + 6));
    }
  });
});

describe('AccessTokenKeys', () => {
  it.each<SigningAlgorithm>(['HS256', ...ASYMMETRIC])(
    'signs %s tokens whose header segment is exactly {"alg","typ","kid"}, the one its key is found by',
    async (algorithm) => {
      const keys = await keyringFor(algorithm);
      const config = { get: () => jwtConfig({ algorithm, key: keys.signing.key }) };
      const service = new AccessTokenService(keys, config as unknown as ConfigService<AllConfig, true>);
      const { token } = await service.issue(randomUUID(), randomUUID(), ['user'], newEpochId());

      expect(decodedHeader(token)).toBe(`{"alg":"${algorithm}","typ":"JWT","kid":"${keys.signing.header.kid}"}`);
      const key = keys.keyFor(token);
      expect(token.startsWith(`${key.headerSegment}.`)).toBe(true);
      const claims = key.verify(token);
      expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, exp: (claims.iat as number) + 900 });
      expect(principalFromClaims(claims)).toBeDefined();
    },
  );

  it.each([
    ['the same header with its members reordered', (header: object) => ({ typ: 'JWT', ...header })],
    ['another kid', (header: object) => ({ ...header, kid: 'other-key' })],
    ['no kid', ({ alg }: { alg: string }) => ({ alg, typ: 'JWT' })],
    ['an extra jku', (header: object) => ({ ...header, jku: 'https://attacker.example/jwks.json' })],
    ['alg none', (header: object) => ({ ...header, alg: 'none' })],
  ])('refuses a header with %s before decoding anything', async (_case, change) => {
    const keys = await keyringFor('ES256');
    const segment = Buffer.from(JSON.stringify(change(keys.signing.header))).toString('base64url');
    expect(() => keys.keyFor(`${segment}.e30.c2ln`)).toThrow(
      new InvalidTokenException('The access token header is not one this server issues'),
    );
  });

  it.each(['', 'garbage', '.e30.c2ln', 'e30'])('refuses %j as a token', async (token) => {
    const keys = await keyringFor('HS256');
    expect(() => keys.keyFor(token)).toThrow(InvalidTokenException);
  });

  it('publishes nothing with HS256: the secret is never in the JWKS', async () => {
    expect((await keyringFor('HS256')).jwks).toEqual({ keys: [] });
  });

  it('publishes the signing key first, then each verify-only key once, with public members only', async () => {
    const signing = (await keyPairs.RS256()).privateKey;
    const nextEc = (await keyPairs.ES256()).privateKey;
    const nextEd = (await keyPairs.EdDSA()).publicKey;
    const keys = await AccessTokenKeys.fromConfig(
      jwtConfig({ algorithm: 'RS256', key: signing }, [
        { algorithm: 'ES256', key: nextEc },
        { algorithm: 'EdDSA', key: nextEd },
        { algorithm: 'RS256', key: signing },
      ]),
    );
    const published = keys.jwks.keys;
    expect(published.map((jwk) => Object.keys(jwk).sort())).toEqual([
      ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    ]);
    expect(published).toMatchObject([
      { kty: 'RSA', alg: 'RS256', use: 'sig', kid: keys.signing.header.kid },
      { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' },
      { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' },
    ]);
    const text = JSON.stringify(keys.jwks);
    for (const member of PRIVATE_MEMBERS) expect(text).not.toContain(`"${member}":`);
  });
});

const VERIFY_CACHES = [
  { cache: 'no verify cache', verifyCacheSize: 0 },
  { cache: 'the verify cache', verifyCacheSize: 100 },
];
const RULE_CASES = (['HS256', ...ASYMMETRIC] as SigningAlgorithm[]).flatMap((algorithm) =>
  VERIFY_CACHES.map((cache) => ({ algorithm, ...cache })),
);

describe.each(RULE_CASES)('verification rules with $algorithm and $cache', ({ algorithm, verifyCacheSize }) => {
  let keys: AccessTokenKeys;
  let key: AcceptedKey;
  let otherSigningKey: KeyObject;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    keys = await keyringFor(algorithm, verifyCacheSize);
    const signingSegment = Buffer.from(JSON.stringify(keys.signing.header)).toString('base64url');
    key = keys.keyFor(`${signingSegment}.e30.c2ln`);
    otherSigningKey = algorithm === 'HS256' ? secretKey(`${SECRET}-other`) : (await keyPairs[algorithm]()).privateKey;
  });

  function sign(claims: Record<string, unknown>, signWith: KeyObject = keys.signing.key): Promise<string> {
    const iat = now();
    return new SignJWT({ sub: randomUUID(), iat, exp: iat + 900, iss: ISSUER, aud: AUDIENCE, ...claims })
      .setProtectedHeader(keys.signing.header)
      .sign(signWith);
  }

  // Every algorithm answers alike: the 401 tells "expired" from everything else.
  it.each<{ name: string; claims: () => Record<string, unknown>; expected: string }>([
    { name: 'a valid token', claims: () => ({}), expected: 'accepted' },
    {
      name: 'a token expired 2 s ago, within the 5 s tolerance',
      claims: () => ({ exp: now() - 2 }),
      expected: 'accepted',
    },
    { name: 'a token expired 10 s ago', claims: () => ({ exp: now() - 10 }), expected: 'expired' },
    { name: 'a foreign issuer', claims: () => ({ iss: 'https://issuer.example' }), expected: 'invalid' },
    { name: 'a foreign audience', claims: () => ({ aud: 'another-api' }), expected: 'invalid' },
    {
      name: 'an nbf 10 minutes ahead',
      claims: () => ({ nbf: now() + 600 }),
      expected: 'invalid',
    },
    { name: 'an exp that is a string', claims: () => ({ exp: String(now() + 900) }), expected: 'invalid' },
  ])('answers $name with $expected', async ({ claims, expected }) => {
    expect(outcome(key, await sign(claims()))).toMatch(new RegExp(`^(${expected})$`));
  });

  it('refuses a token signed by another key under this key’s header', async () => {
    expect(outcome(key, await sign({}, otherSigningKey))).toBe('invalid');
  });

  it('refuses a token whose signature was altered, even right after the genuine one was accepted', async () => {
    const genuine = await sign({});
    expect(outcome(key, genuine)).toBe('accepted');
    const [header, payload, signature] = genuine.split('.');
    const altered = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(outcome(key, `${header}.${payload}.${altered}`)).toBe('invalid');
    expect(outcome(key, `${header}.${payload}.${signature}x`)).toBe('invalid');
  });

  it(
    verifyCacheSize > 0
      ? 'verifies a token afresh on its first two requests, then answers it from the cache'
      : 'verifies a token afresh on every request',
    async () => {
      const token = await sign({});
      const answers = [1, 2, 3, 4].map(() => key.verify(token));
      expect(answers.map((claims) => Object.isFrozen(claims))).toEqual(
        verifyCacheSize > 0 ? [false, true, true, true] : [false, false, false, false],
      );
      expect(new Set(answers).size).toBe(verifyCacheSize > 0 ? 2 : 4);
    },
  );

  describe('a token accepted once', () => {
    afterEach(() => jest.useRealTimers());

    it('is refused as expired once its exp and the tolerance have passed', async () => {
      const token = await sign({ exp: now() + 60 });
      expect(outcome(key, token)).toBe('accepted');
      expect(outcome(key, token)).toBe('accepted');

      jest.useFakeTimers({ now: Date.now() + 66_000, doNotFake: ['nextTick', 'setImmediate'] });
      expect(outcome(key, token)).toBe('expired');
    });
  });
});
