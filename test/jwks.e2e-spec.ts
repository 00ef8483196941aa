import { createHmac, createSecretKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import type { Response } from 'supertest';
import { secretKeyId } from '../src/auth/keys/key-ids.js';
import {
  AppProcesses,
  EXIT_BOUND_MS,
  READY_BOUND_MS,
  nonEmptyLines,
  waitForExit,
  type AppProcess,
  type Exit,
} from './support/app-process.js';
import { bearer, decodeClaims, login, signUp, type Session } from './support/auth-client.js';
import { freePort } from './support/redis-server.js';
import { useApp } from './support/use-app.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// ---------------------------------------------------------------------------------------------------------------
// Keys, written as PEM files the way an operator provides them
// ---------------------------------------------------------------------------------------------------------------

type Asymmetric = 'RS256' | 'ES256' | 'EdDSA';
const ALGORITHMS: Asymmetric[] = ['RS256', 'ES256', 'EdDSA'];
const JWKS = '/.well-known/jwks.json';
const ISSUER_AND_AUDIENCE = 'revocable-jwt-api';
const SECRET = process.env.JWT_SECRET as string;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

const FOREIGN_HEADER = 'The access token header is not one this server issues';
const INVALID = 'The access token is invalid';
const EXPIRED = 'The access token has expired';

// Asynchronous generation: the synchronous one leaves handles that --detectOpenHandles reports.
const generate = promisify(generateKeyPair);
const keyPair = {
  RS256: (modulusLength = 2048) => generate('rsa', { modulusLength }),
  ES256: () => generate('ec', { namedCurve: 'P-256' }),
  EdDSA: () => generate('ed25519', {}),
};

const keyDir = mkdtempSync(join(tmpdir(), 'revocable-jwt-jwks-'));

afterAll(() => {
  rmSync(keyDir, { recursive: true, force: true });
});

/** Writes `key` as a PEM file (PKCS#8 for a private key, SPKI for a public one) and returns its path. */
function pemFile(key: KeyObject): string {
  const pem = key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' });
  const path = join(keyDir, `${randomUUID()}.pem`);
  writeFileSync(path, pem, { mode: 0o600 });
  return path;
}

/** The key's RFC 7638 thumbprint, computed by a third party from the public key alone. */
const thumbprint = (key: KeyObject) => calculateJwkThumbprint(key.export({ format: 'jwk' }));

// ---------------------------------------------------------------------------------------------------------------
// Tokens and expectations
// ---------------------------------------------------------------------------------------------------------------

const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerText = (token: string) => Buffer.from(token.split('.')[0], 'base64url').toString('utf8');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims the app itself signs for the session's user (in its store epoch), with `change` applied. */
function claimsFor(session: Session, change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: session.userId,
    jti: randomUUID(),
    sid: randomUUID(),
    roles: ['user'],
    ep: decodeClaims(session.accessToken).ep,
    iat: nowSeconds(),
    exp: nowSeconds() + 900,
    iss: ISSUER_AND_AUDIENCE,
    aud: ISSUER_AND_AUDIENCE,
    ...change,
  };
}

/** A token with exactly this header, signed by `key` (jose, which serialises the header as given). */
function signed(
  header: { alg: string; kid: string },
  claims: Record<string, unknown>,
  key: KeyObject,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: header.alg, typ: 'JWT', kid: header.kid }).sign(key);
}

/** An HS256 token with exactly this header, its HMAC keyed with `secret` (any bytes, a PEM text included). */
function hmacSigned(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string): string {
  const input = `${base64urlJson(header)}.${base64urlJson(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function expectRefused(response: Response, message: string): void {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message });
  expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
}

/** Every member of every published key is public, and the document never holds a private member. */
function expectOnlyPublicMembers(jwks: JSONWebKeySet): void {
  for (const jwk of jwks.keys) {
    expect(Object.keys(jwk).filter((member) => PRIVATE_MEMBERS.includes(member))).toEqual([]);
  }
  for (const member of PRIVATE_MEMBERS) expect(JSON.stringify(jwks)).not.toContain(`"${member}":`);
}

/** The JWKS entry a third party expects for `publicKey`. */
async function published(algorithm: Asymmetric, publicKey: KeyObject): Promise<Record<string, unknown>> {
  return { ...publicKey.export({ format: 'jwk' }), kid: await thumbprint(publicKey), use: 'sig', alg: algorithm };
}

/** Runs `use` against an in-process app built with `env`, closed afterwards (one app alive at a time). */
async function withApp<T>(env: Record<string, string>, use: (api: TestApp) => Promise<T>): Promise<T> {
  const api = await createTestApp(env);
  try {
    return await use(api);
  } finally {
    await api.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe.each(ALGORITHMS)('signing with %s', (algorithm) => {
  let api: TestApp;
  let user: Session;
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let kid: string;
  let jwks: Response;

  beforeAll(async () => {
    ({ privateKey, publicKey } = await keyPair[algorithm]());
    kid = await thumbprint(publicKey);
    api = await createTestApp({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: pemFile(privateKey) });
    user = await signUp(api.http);
    jwks = await api.http.get(JWKS);
  });

  afterAll(async () => {
    await api.close();
  });

  it(`issues tokens whose header is exactly {"alg":"${algorithm}","typ":"JWT","kid":<RFC 7638 thumbprint>}`, () => {
    expect(headerText(user.accessToken)).toBe(`{"alg":"${algorithm}","typ":"JWT","kid":"${kid}"}`);
  });

  it('accepts its own token on GET /me', async () => {
    const response = await api.http.get('/me').set(bearer(user.accessToken)).expect(200);
    expect(response.body).toMatchObject({ id: user.userId, email: user.email });
  });

  it(`publishes the public key at ${JWKS}, cacheable for 5 minutes, with no private member`, async () => {
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.headers['content-type']).toMatch(/^application\/json/);
    expect(jwks.body).toEqual({ keys: [await published(algorithm, publicKey)] });
    expectOnlyPublicMembers(jwks.body as JSONWebKeySet);
  });

  it('lets a third party verify the token with jose from the JWKS alone', async () => {
    const { payload, protectedHeader } = await jwtVerify(
      user.accessToken,
      createLocalJWKSet(jwks.body as JSONWebKeySet),
      { issuer: ISSUER_AND_AUDIENCE, audience: ISSUER_AND_AUDIENCE, algorithms: [algorithm] },
    );
    expect(protectedHeader).toEqual({ alg: algorithm, typ: 'JWT', kid });
    expect(payload.sub).toBe(user.userId);
  });

  it("accepts a token forged with the app's own key (the control for every forged token here)", async () => {
    const token = await signed({ alg: algorithm, kid }, claimsFor(user), privateKey);
    await api.http.get('/me').set(bearer(token)).expect(200);
  });

  describe('refuses', () => {
    it('a token signed by an unknown key under its own kid', async () => {
      const stranger = await keyPair[algorithm]();
      const token = await signed(
        { alg: algorithm, kid: await thumbprint(stranger.publicKey) },
        claimsFor(user),
        stranger.privateKey,
      );
      expectRefused(await api.http.get('/me').set(bearer(token)), FOREIGN_HEADER);
    });

    it("a token signed by an unknown key under the app key's kid", async () => {
      const stranger = await keyPair[algorithm]();
      const token = await signed({ alg: algorithm, kid }, claimsFor(user), stranger.privateKey);
      expectRefused(await api.http.get('/me').set(bearer(token)), INVALID);
    });

    it('an HS256 token whose HMAC key is the published public key (algorithm confusion)', async () => {
      for (const publicText of [
        publicKey.export({ format: 'pem', type: 'spki' }) as string,
        JSON.stringify((jwks.body as JSONWebKeySet).keys[0]),
      ]) {
        const token = hmacSigned({ alg: 'HS256', typ: 'JWT', kid }, claimsFor(user), publicText);
        expectRefused(await api.http.get('/me').set(bearer(token)), FOREIGN_HEADER);
      }
    });

    it("an HS256 token signed with JWT_SECRET under the secret's own kid: the secret signs nothing here", async () => {
      const secretKid = secretKeyId(createSecretKey(Buffer.from(SECRET, 'utf8')));
      const token = hmacSigned({ alg: 'HS256', typ: 'JWT', kid: secretKid }, claimsFor(user), SECRET);
      expectRefused(await api.http.get('/me').set(bearer(token)), FOREIGN_HEADER);
    });

    it('an unsigned token (alg none) under the app key’s kid', async () => {
      const token = `${base64urlJson({ alg: 'none', typ: 'JWT', kid })}.${base64urlJson(claimsFor(user))}.`;
      expectRefused(await api.http.get('/me').set(bearer(token)), FOREIGN_HEADER);
    });

    it("a token signed with the app's key under a different kid", async () => {
      const token = await signed({ alg: algorithm, kid: `${kid.slice(0, -1)}x` }, claimsFor(user), privateKey);
      expectRefused(await api.http.get('/me').set(bearer(token)), FOREIGN_HEADER);
    });

    it("a token signed with the app's key that expired 10 s ago, beyond the 5 s tolerance", async () => {
      const claims = claimsFor(user, { exp: nowSeconds() - 10 });
      expectRefused(
        await api.http.get('/me').set(bearer(await signed({ alg: algorithm, kid }, claims, privateKey))),
        EXPIRED,
      );
    });

    it("a token signed with the app's key for another audience", async () => {
      const claims = claimsFor(user, { aud: 'another-api' });
      expectRefused(
        await api.http.get('/me').set(bearer(await signed({ alg: algorithm, kid }, claims, privateKey))),
        INVALID,
      );
    });
  });
});

describe('with HS256 (the default) and API_PREFIX=api', () => {
  const api = useApp(createTestApp, { API_PREFIX: 'api' });

  it(`serves an empty key set at ${JWKS}, at the root: the secret is never published`, async () => {
    const response = await api().http.get(JWKS).expect(200);
    expect(response.body).toEqual({ keys: [] });
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.text).not.toContain(SECRET);
  });

  it('keeps the well-known URI out of the prefix, and the prefix on every other route', async () => {
    await api().http.get(`/api${JWKS}`).expect(404);
    await api().http.get('/me').expect(404);
    const response = await api().http.get('/api/me');
    expectRefused(response, 'A bearer token is required');
  });
});

describe('rotating the signing key with an overlap', () => {
  // One store for the three phases, as when instances are redeployed one after another.
  const keyPrefix = `rot${randomUUID().slice(0, 8)}:`;
  const phase = (signWith: string, alsoAccept: string[]) => ({
    JWT_ALGORITHM: 'ES256',
    JWT_PRIVATE_KEY_FILE: signWith,
    REDIS_KEY_PREFIX: keyPrefix,
    ...(alsoAccept.length > 0 ? { JWT_VERIFY_KEY_FILES: alsoAccept.join(',') } : {}),
  });
  const kids: Record<'a' | 'b', string> = { a: '', b: '' };
  const seen: Record<string, unknown> = {};

  beforeAll(async () => {
    const a = await keyPair.ES256();
    const b = await keyPair.ES256();
    kids.a = await thumbprint(a.publicKey);
    kids.b = await thumbprint(b.publicKey);
    const files = {
      aPrivate: pemFile(a.privateKey),
      bPrivate: pemFile(b.privateKey),
      aPublic: pemFile(a.publicKey),
      bPublic: pemFile(b.publicKey),
    };
    const kidsIn = (response: Response) => (response.body as JSONWebKeySet).keys.map((jwk) => jwk.kid);
    const meStatus = async (api: TestApp, token: string) => (await api.http.get('/me').set(bearer(token))).status;

    // Phase 1, on every instance: sign with A; publish and accept B, not used yet.
    const user = await withApp(phase(files.aPrivate, [files.bPublic]), async (api) => {
      const session = await signUp(api.http);
      const fromPhase2Instance = await signed({ alg: 'ES256', kid: kids.b }, claimsFor(session), b.privateKey);
      seen.phase1 = {
        jwks: kidsIn(await api.http.get(JWKS)),
        tokenKid: JSON.parse(headerText(session.accessToken)).kid,
        tokenOfB: await meStatus(api, fromPhase2Instance),
      };
      return session;
    });

    // Phase 2: sign with B; keep accepting A until A's last token has expired.
    const tokenOfB = await withApp(phase(files.bPrivate, [files.aPublic]), async (api) => {
      const token = await login(api.http, user.email);
      seen.phase2 = {
        jwks: kidsIn(await api.http.get(JWKS)),
        tokenKid: JSON.parse(headerText(token)).kid,
        tokenOfA: await meStatus(api, user.accessToken),
        tokenOfB: await meStatus(api, token),
      };
      return token;
    });

    // Phase 3, after JWT_ACCESS_TTL + JWT_CLOCK_TOLERANCE: A is gone.
    await withApp(phase(files.bPrivate, []), async (api) => {
      const refused = await api.http.get('/me').set(bearer(user.accessToken));
      seen.phase3 = {
        jwks: kidsIn(await api.http.get(JWKS)),
        tokenOfA: { status: refused.status, message: (refused.body as { message: string }).message },
        tokenOfB: await meStatus(api, tokenOfB),
      };
    });
  });

  it('phase 1: signs with A, lists A then B, and already accepts a token signed with B', () => {
    expect(seen.phase1).toEqual({ jwks: [kids.a, kids.b], tokenKid: kids.a, tokenOfB: 200 });
  });

  it('phase 2: signs with B, lists B then A, and still accepts the token signed with A', () => {
    expect(seen.phase2).toEqual({ jwks: [kids.b, kids.a], tokenKid: kids.b, tokenOfA: 200, tokenOfB: 200 });
  });

  it('phase 3: lists only B, refuses the token signed with A, accepts the one signed with B', () => {
    expect(seen.phase3).toEqual({
      jwks: [kids.b],
      tokenOfA: { status: 401, message: FOREIGN_HEADER },
      tokenOfB: 200,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The built app, as an operator runs it
// ---------------------------------------------------------------------------------------------------------------

describe('the built app', () => {
  const apps = new AppProcesses();
  const files: Record<'rsa1024' | 'ed25519' | 'p256', string> = { rsa1024: '', ed25519: '', p256: '' };

  beforeAll(async () => {
    files.rsa1024 = pemFile((await keyPair.RS256(1024)).privateKey);
    files.ed25519 = pemFile((await keyPair.EdDSA()).privateKey);
    files.p256 = pemFile((await keyPair.ES256()).privateKey);
  });

  afterAll(async () => {
    await apps.dispose();
  });

  describe.each<{ problem: string; env: () => Record<string, string>; says: RegExp }>([
    {
      problem: 'JWT_PRIVATE_KEY_FILE does not exist',
      env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: join(keyDir, 'missing.pem') }),
      says: /JWT_PRIVATE_KEY_FILE must be an unencrypted PEM private key .*missing\.pem" does not exist/,
    },
    {
      problem: 'the key is an Ed25519 key and JWT_ALGORITHM=ES256',
      env: () => ({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: files.ed25519 }),
      says: /holds an Ed25519 key, but JWT_ALGORITHM=ES256 needs an EC key on the P-256 curve: set JWT_ALGORITHM=EdDSA/,
    },
    {
      problem: 'a private key file is given with HS256',
      env: () => ({ JWT_PRIVATE_KEY_FILE: files.p256 }),
      says: /JWT_PRIVATE_KEY_FILE is only read with JWT_ALGORITHM=RS256, ES256 or EdDSA/,
    },
    {
      problem: 'the RSA key has 1024 bits',
      env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: files.rsa1024 }),
      says: /holds a 1024-bit RSA key, but JWT_ALGORITHM=RS256 needs an RSA key of at least 2048 bits: generate one with `openssl/,
    },
  ])('refusing to start when $problem', ({ env, says }) => {
    let run: AppProcess;
    let exit: Exit | undefined;

    beforeAll(async () => {
      run = await apps.start({ JWT_SECRET: SECRET, ...env(), PORT: String(await freePort()), HOST: '127.0.0.1' });
      exit = await waitForExit(run);
    }, EXIT_BOUND_MS + 5000);

    it('exits with code 1, prints nothing on stdout', () => {
      expect(exit).toEqual({ code: 1, signal: null });
      expect(run.output.stdout).toBe('');
    });

    it('prints exactly one line on stderr that says what to set, and no key material', () => {
      expect(nonEmptyLines(run.output.stderr)).toEqual([expect.stringMatching(says)]);
      expect(run.output.stderr).not.toMatch(/BEGIN|PRIVATE KEY-----/);
    });
  });

  describe('starting with EdDSA (jose, native ESM)', () => {
    let port: number;
    let user: Session;

    beforeAll(async () => {
      const { ports, agents } = await apps.startReady(
        { JWT_SECRET: SECRET, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: files.ed25519 },
        [{}],
      );
      port = ports[0];
      user = await signUp(agents[0]);
    }, READY_BOUND_MS + 5000);

    it('lets a third party verify its token against the JWKS fetched from its URL (jose createRemoteJWKSet)', async () => {
      const keySet = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}${JWKS}`));
      const { payload, protectedHeader } = await jwtVerify(user.accessToken, keySet, {
        issuer: ISSUER_AND_AUDIENCE,
        audience: ISSUER_AND_AUDIENCE,
        algorithms: ['EdDSA'],
      });
      expect(protectedHeader.alg).toBe('EdDSA');
      expect(payload.sub).toBe(user.userId);
    });
  });
});
