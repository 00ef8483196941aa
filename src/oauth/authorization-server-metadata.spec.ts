import { createSecretKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { AccessTokenKeys } from '../auth/keys/access-token-keys.js';
import type { JwtConfig } from '../config/jwt.config.js';
import type { AlgorithmKey, AsymmetricAlgorithm } from '../config/signing-keys.js';
import { authorizationServerMetadata, issuerIdentifierProblem } from './authorization-server-metadata.js';

const secretKey = createSecretKey(Buffer.from('Zq3v9K1xW7pL2mN8bR4tY6uH0jF5gD2sA1cE9oI7', 'utf8'));
// Asynchronous generation: the synchronous one leaves handles that --detectOpenHandles reports.
const generate = promisify(generateKeyPair);

function keysOf(signing: AlgorithmKey, verifyOnly: AlgorithmKey<AsymmetricAlgorithm>[] = []): Promise<AccessTokenKeys> {
  const jwt: JwtConfig = {
    secretKey,
    signing,
    verifyOnly,
    accessTtlSeconds: 900,
    issuer: 'https://auth.example.com',
    audience: 'revocable-jwt-api',
    clockToleranceSeconds: 5,
    verifyCacheSize: 0,
    revocationCheck: true,
  };
  return AccessTokenKeys.fromConfig(jwt);
}

describe('issuerIdentifierProblem (RFC 8414 §2)', () => {
  it.each([
    'https://auth.example.com',
    'https://auth.example.com/',
    'https://example.com/auth',
    'http://127.0.0.1:3000',
  ])('accepts %s', (issuer) => {
    expect(issuerIdentifierProblem(issuer)).toBeUndefined();
  });

  it.each([
    ['revocable-jwt-api', 'is not a URL'],
    ['urn:example:issuer', 'is not an http(s) URL'],
    ['https://auth.example.com/?tenant=1', 'has a query or a fragment'],
    ['https://auth.example.com/?', 'has a query or a fragment'],
    ['https://auth.example.com/#top', 'has a query or a fragment'],
    ['https://user:pw@auth.example.com', 'holds credentials'],
  ])('refuses %s: it %s', (issuer, problem) => {
    expect(issuerIdentifierProblem(issuer)).toBe(problem);
  });
});

describe('authorizationServerMetadata', () => {
  it('builds every URL from the issuer, the API routes under API_PREFIX and the well-known ones at the root', async () => {
    const keys = await keysOf({ algorithm: 'HS256', key: secretKey });
    expect(
      authorizationServerMetadata({ issuer: 'https://auth.example.com/', apiPrefix: 'api/v1', docsPath: 'docs' }, keys),
    ).toEqual({
      issuer: 'https://auth.example.com/',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      introspection_endpoint: 'https://auth.example.com/api/v1/oauth/introspect',
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint: 'https://auth.example.com/api/v1/oauth/revoke',
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      grant_types_supported: [],
      access_token_signing_alg_values_supported: ['HS256'],
      service_documentation: 'https://auth.example.com/api/v1/docs',
    });
  });

  it('keeps the issuer path before every route, and names no documentation when the docs are off', async () => {
    const keys = await keysOf({ algorithm: 'HS256', key: secretKey });
    const metadata = authorizationServerMetadata({ issuer: 'https://example.com/auth', apiPrefix: '' }, keys);
    expect(metadata).toMatchObject({
      issuer: 'https://example.com/auth',
      jwks_uri: 'https://example.com/auth/.well-known/jwks.json',
      introspection_endpoint: 'https://example.com/auth/oauth/introspect',
      revocation_endpoint: 'https://example.com/auth/oauth/revoke',
    });
    expect(metadata).not.toHaveProperty('service_documentation');
  });

  it('lists the algorithm of every accepted key once, the signing one first', async () => {
    const rsa = await generate('rsa', { modulusLength: 2048 });
    const ed = await generate('ed25519', {});
    const ec = await generate('ec', { namedCurve: 'P-256' });
    const keys = await keysOf({ algorithm: 'EdDSA', key: ed.privateKey }, [
      { algorithm: 'RS256', key: rsa.publicKey },
      { algorithm: 'EdDSA', key: ed.publicKey },
      { algorithm: 'ES256', key: ec.publicKey },
    ]);
    const metadata = authorizationServerMetadata({ issuer: 'https://auth.example.com', apiPrefix: '' }, keys);
    expect(metadata?.access_token_signing_alg_values_supported).toEqual(['EdDSA', 'RS256', 'ES256']);
  });

  it('serves nothing when JWT_ISSUER is not an issuer identifier', async () => {
    const keys = await keysOf({ algorithm: 'HS256', key: secretKey });
    expect(authorizationServerMetadata({ issuer: 'revocable-jwt-api', apiPrefix: '' }, keys)).toBeUndefined();
  });
});
