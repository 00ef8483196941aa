import { createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { JwtConfig } from '../../config/jwt.config.js';
import type { AlgorithmKey, SigningAlgorithm } from '../../config/signing-keys.js';
import { secretKeyId, thumbprintKeyId } from './key-ids.js';
import { publicJwk, type PublicJwk } from './public-jwk.js';
import { tokenVerifier, type TokenVerifier, type VerificationRules } from './token-verifier.js';

/** The protected header of every token signed with one key; members in the order they are serialised. */
export type AccessTokenHeader = { alg: SigningAlgorithm; typ: 'JWT'; kid: string };

/** A published key: its public members, its `kid`, and what it is for. */
export type PublishedJwk = PublicJwk & { kid: string; use: 'sig'; alg: SigningAlgorithm };

export interface JsonWebKeySet {
  keys: PublishedJwk[];
}

/** One key whose tokens this server accepts. */
export class AcceptedKey {
  /** base64url of the exact header this key's tokens carry: the only header segment they may have. */
  readonly headerSegment: string;

  constructor(
    readonly header: AccessTokenHeader,
    /** Signature with the pinned algorithm, issuer, audience, expiry, clock tolerance. */
    readonly verify: TokenVerifier,
    /** The public JWK; none for the HMAC secret, which is never published. */
    readonly jwk?: PublicJwk,
  ) {
    this.headerSegment = Buffer.from(JSON.stringify(header)).toString('base64url');
  }
}

/**
 * The keys of access tokens, shared by AccessTokenVerifier (the guard and the OAuth endpoints), AccessTokenService (signing) and
 * the JWKS route: the signing key, every accepted key by the header segment its tokens carry, and the published set.
 */
export class AccessTokenKeys {
  private constructor(
    /** The header and key new tokens are signed with. */
    readonly signing: { header: AccessTokenHeader; key: KeyObject },
    private readonly byHeaderSegment: ReadonlyMap<string, AcceptedKey>,
    /** The public keys, signing key first, for `/.well-known/jwks.json`; empty with HS256. */
    readonly jwks: JsonWebKeySet,
  ) {}

  static async fromConfig(jwt: JwtConfig): Promise<AccessTokenKeys> {
    const rules: VerificationRules = {
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockToleranceSeconds: jwt.clockToleranceSeconds,
      cacheSize: jwt.verifyCacheSize,
    };
    const [signing, ...verifyOnly] = await Promise.all(
      [jwt.signing, ...jwt.verifyOnly].map((key) => acceptedKey(key, rules)),
    );
    const byHeaderSegment = new Map<string, AcceptedKey>();
    // A key listed twice (say, the signing key also in JWT_VERIFY_KEY_FILES) is one key.
    for (const key of [signing, ...verifyOnly]) {
      if (!byHeaderSegment.has(key.headerSegment)) byHeaderSegment.set(key.headerSegment, key);
    }
    const keys = [...byHeaderSegment.values()].flatMap(({ header, jwk }) =>
      jwk ? [{ ...jwk, kid: header.kid, use: 'sig' as const, alg: header.alg }] : [],
    );
    return new AccessTokenKeys({ header: signing.header, key: jwt.signing.key }, byHeaderSegment, { keys });
  }

  /**
   * The key for a token, found by its header segment (the text before the first '.') in one Map lookup. Any other
   * header is refused before it is even decoded: another algorithm (`none`, HS256 forged with a public key), an
   * unknown `kid`, a `jku`, `x5u` or any member some library might honour.
   */
  keyFor(token: string): AcceptedKey {
    const end = token.indexOf('.');
    const key = end > 0 ? this.byHeaderSegment.get(token.slice(0, end)) : undefined;
    if (!key) throw new InvalidTokenException('The access token header is not one this server issues');
    return key;
  }
}

async function acceptedKey({ algorithm, key }: AlgorithmKey, rules: VerificationRules): Promise<AcceptedKey> {
  if (algorithm === 'HS256') {
    return new AcceptedKey({ alg: algorithm, typ: 'JWT', kid: secretKeyId(key) }, tokenVerifier(algorithm, key, rules));
  }
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicJwk(publicKey);
  const header: AccessTokenHeader = { alg: algorithm, typ: 'JWT', kid: await thumbprintKeyId(jwk) };
  return new AcceptedKey(header, tokenVerifier(algorithm, publicKey, rules), jwk);
}
