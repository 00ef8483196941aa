import { randomUUID } from 'node:crypto';
import { newEpochId } from '../epoch/store-epoch.js';
import { principalFromClaims, type AccessTokenClaims } from './access-token-claims.js';

function validClaims(): AccessTokenClaims {
  const issuedAt = 1_795_000_000;
  return {
    sub: randomUUID(),
    jti: randomUUID(),
    sid: randomUUID(),
    roles: ['user'],
    ep: newEpochId(),
    iat: issuedAt,
    exp: issuedAt + 900,
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
      epoch: claims.ep,
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
    ['a missing iat', { iat: undefined }],
    ['a missing ep', { ep: undefined }],
    ['an ep that is not an epoch id', { ep: 'AAAA*{x}' }],
    ['an ep that is a number', { ep: 12 }],
  ])('refuses claims with %s', (_case, override) => {
    expect(principalFromClaims({ ...validClaims(), ...override } as Partial<AccessTokenClaims>)).toBeUndefined();
  });
});
