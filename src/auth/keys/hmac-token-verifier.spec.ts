import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { createVerifier, TokenError } from 'fast-jwt';
import { hmacTokenVerifier } from './hmac-token-verifier.js';

const SECRET = Buffer.from('oYpFVkvM5QGcHTpf11K9Wk4hWDWW92GeczY3aInMRcg', 'utf8');
const RULES = { issuer: 'issuer-under-test', audience: 'audience-under-test', clockToleranceSeconds: 5 };
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' })).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

const lean = hmacTokenVerifier(createSecretKey(SECRET), RULES);
const general = createVerifier({
  key: SECRET,
  algorithms: ['HS256'],
  allowedIss: RULES.issuer,
  allowedAud: RULES.audience,
  clockTolerance: RULES.clockToleranceSeconds * 1000,
});

function signed(payload: string, secret = SECRET): string {
  const body = `${HEADER}.${Buffer.from(payload).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const claims = (change: Record<string, unknown> = {}) =>
  JSON.stringify({
    sub: randomUUID(),
    iat: now(),
    exp: now() + 900,
    iss: RULES.issuer,
    aud: RULES.audience,
    ...change,
  });

function leanOutcome(token: string): string {
  const result = lean(token);
  return typeof result === 'string' ? result : 'accepted';
}

function generalOutcome(token: string): string {
  try {
    general(token);
    return 'accepted';
  } catch (error) {
    return error instanceof TokenError && error.code === TokenError.codes.expired ? 'expired' : 'invalid';
  }
}

describe('hmacTokenVerifier', () => {
  // Each answered as fast-jwt answers it: the lean path changes the cost, never the verdict.
  it.each<[string, () => string, string]>([
    ['a valid token', () => signed(claims()), 'accepted'],
    ['an aud array holding the audience', () => signed(claims({ aud: ['x', RULES.audience] })), 'accepted'],
    ['an aud array holding a non-string', () => signed(claims({ aud: [RULES.audience, 1] })), 'invalid'],
    [
      'no iss, no aud (principalFromClaims decides)',
      () => signed(claims({ iss: undefined, aud: undefined })),
      'accepted',
    ],
    ['expired 2 s ago, within the tolerance', () => signed(claims({ exp: now() - 2 })), 'accepted'],
    ['expired 10 s ago', () => signed(claims({ exp: now() - 10 })), 'expired'],
    ['expired and of a foreign issuer', () => signed(claims({ exp: now() - 10, iss: 'other' })), 'expired'],
    ['an exp that is a string', () => signed(claims({ exp: String(now() + 900) })), 'invalid'],
    ['an exp that is null', () => signed(claims({ exp: null })), 'invalid'],
    ['an nbf 10 minutes ahead', () => signed(claims({ nbf: now() + 600 })), 'invalid'],
    ['an nbf 2 s ahead, within the tolerance', () => signed(claims({ nbf: now() + 2 })), 'accepted'],
    ['a foreign issuer', () => signed(claims({ iss: 'https://issuer.example' })), 'invalid'],
    ['an iss that is an array', () => signed(claims({ iss: [RULES.issuer] })), 'invalid'],
    ['a foreign audience', () => signed(claims({ aud: 'another-api' })), 'invalid'],
    ['a payload that is an array', () => signed('[1]'), 'invalid'],
    ['a payload that is a number', () => signed('42'), 'invalid'],
    ['a payload that is not JSON', () => signed('{"sub":'), 'invalid'],
    ['another secret', () => signed(claims(), Buffer.from('another secret of enough length, 32+')), 'invalid'],
  ])('answers %s as fast-jwt does: %s', (_name, token, expected) => {
    const presented = token();
    expect([leanOutcome(presented), generalOutcome(presented)]).toEqual([expected, expected]);
  });

  it('refuses any change to the payload or the signature, and another spelling of the same signature bytes', () => {
    const token = signed(claims());
    const [header, payload, signature] = token.split('.');
    const flip = (text: string, at: number) =>
      `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    // The last character holds 2 spare bits: its neighbour in the alphabet decodes to the same 32 bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(signature.at(-1) as string) ^ 1]}`;
    expect(Buffer.from(sameBytes, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    for (const tampered of [
      `${header}.${flip(payload, 10)}.${signature}`,
      `${header}.${payload}.${flip(signature, 0)}`,
      `${header}.${payload}.${sameBytes}`,
      `${header}.${payload}.${signature}A`,
      `${header}.${payload}.${signature.slice(0, -1)}`,
      `${header}.${payload}.${signature}=`,
      `${header}.${payload}`,
      `${header}.${payload}.`,
      `${header}${payload}${signature}`,
    ]) {
      expect(leanOutcome(tampered)).toBe('invalid');
    }
    expect(leanOutcome(token)).toBe('accepted');
  });
});
