import { randomUUID } from 'node:crypto';
import { principalFromClaims, type AccessTokenClaims } from './access-token-claims.js';

function validClaims(): AccessTokenClaims {
  const issuedAtMs = 1_795_000_000_123;
  return {
    sub: randomUUID(),
    jti: randomUUID(),
    sid: randomUUID(),
    roles: ['user'],
    iat_ms: issuedAtMs,
    iat: Math.floor(issuedAtMs / 1000),
    exp: Math.floor(issuedAtMs / 1000) + 900,
    iss: 'issuer',
    aud: 'audience',
  };
}

describe('principalFromClaims', () => {
  it('builds the principal from well-formed claims', () => {
    const claims = validClaims();
    expect(principalFromClaims(claims)).toEqual({
      userId: claims.sub,
      jti: claims.jti,
      sessionId: claims.sid,
      roles: ['user'],
      issuedAtMs: claims.iat_ms,
      expiresAtMs: claims.exp * 1000,
    });
  });

  it.each<[string, Partial<Record<keyof AccessTokenClaims, unknown>>]>([
    ['a missing sub', { sub: undefined }],
    ['a sub that is not a UUID', { sub: 'admin' }],
    ['a missing jti', { jti: undefined }],
    ['a jti with glob and hash-tag characters', { jti: '*{x}*' }],
    ['a jti that is a UUID but not v4', { jti: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }],
    ['a missing sid', { sid: undefined }],
    ['roles that are not a list of strings', { roles: 'admin' }],
    ['a missing exp', { exp: undefined }],
    ['a fractional exp', { exp: 1.5 }],
    ['a missing iat_ms', { iat_ms: undefined }],
    ['an iat_ms from another second than iat', { iat_ms: 1_795_000_001_000 }],
  ])('refuses claims with %s', (_case, override) => {
    expect(principalFromClaims({ ...validClaims(), ...override } as Partial<AccessTokenClaims>)).toBeUndefined();
  });
});
