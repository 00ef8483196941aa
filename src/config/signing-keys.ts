import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const SIGNING_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, 'HS256'>;

/** A key and the one algorithm it is used with. */
export interface AlgorithmKey<Algorithm extends SigningAlgorithm = SigningAlgorithm> {
  algorithm: Algorithm;
  key: KeyObject;
}

/** The settings the key files are read from, as the operator wrote them. */
export interface KeyFileSettings {
  JWT_ALGORITHM: string;
  JWT_PRIVATE_KEY_FILE?: string;
  JWT_VERIFY_KEY_FILES?: string;
}

export interface KeyFiles {
  /** The private key of JWT_PRIVATE_KEY_FILE; none with HS256, which signs with JWT_SECRET. */
  signing?: AlgorithmKey<AsymmetricAlgorithm>;
  /** The public keys of JWT_VERIFY_KEY_FILES: accepted and published, never used to sign. */
  verifyOnly: AlgorithmKey<AsymmetricAlgorithm>[];
  /** One line per problem, each naming the variable and what to set. */
  problems: string[];
}

const MIN_RSA_BITS = 2048;

const REQUIREMENTS: Record<AsymmetricAlgorithm, { needs: string; generate: string }> = {
  RS256: {
    needs: `an RSA key of at least ${MIN_RSA_BITS} bits`,
    generate: 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out jwt-key.pem',
  },
  ES256: {
    needs: 'an EC key on the P-256 curve',
    generate: 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt-key.pem',
  },
  EdDSA: { needs: 'an Ed25519 key', generate: 'openssl genpkey -algorithm ed25519 -out jwt-key.pem' },
};

const ACCEPTED_VERIFY_KEYS = `RSA of at least ${MIN_RSA_BITS} bits (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)`;

/**
 * Reads and checks the asymmetric key files the settings name. Used twice: by the environment validation for its
 * problems (so a bad key stops the app with one line) and by the jwt config namespace for the keys.
 */
export function readKeyFiles(settings: KeyFileSettings): KeyFiles {
  const files: KeyFiles = { verifyOnly: [], problems: [] };
  const algorithm = settings.JWT_ALGORITHM;
  // An unknown algorithm is reported by the class validation; its keys cannot be judged.
  if (!isSigningAlgorithm(algorithm)) return files;
  const privateKeyPath = settings.JWT_PRIVATE_KEY_FILE;
  const verifyKeyPaths = (settings.JWT_VERIFY_KEY_FILES ?? '')
    .split(',')
    .map((path) => path.trim())
    .filter(Boolean);

  if (algorithm === 'HS256') {
    for (const [variable, set] of [
      ['JWT_PRIVATE_KEY_FILE', privateKeyPath],
      ['JWT_VERIFY_KEY_FILES', verifyKeyPaths.length > 0],
    ] as const) {
      if (set) {
        files.problems.push(
          `${variable} is only read with JWT_ALGORITHM=RS256, ES256 or EdDSA (HS256 signs with JWT_SECRET): set JWT_ALGORITHM to the key's algorithm, or unset ${variable}`,
        );
      }
    }
    return files;
  }

  const { needs, generate } = REQUIREMENTS[algorithm];
  if (!privateKeyPath) {
    files.problems.push(
      `JWT_PRIVATE_KEY_FILE must be set when JWT_ALGORITHM=${algorithm}: the PEM private key that signs access tokens, ${needs}, e.g. from \`${generate}\``,
    );
  } else {
    const read = readPem(privateKeyPath, createPrivateKey);
    if ('reason' in read) {
      files.problems.push(
        `JWT_PRIVATE_KEY_FILE must be an unencrypted PEM private key (PKCS#8 or traditional): "${privateKeyPath}" ${read.reason}`,
      );
    } else if (algorithmOf(read.key) !== algorithm) {
      const fits = algorithmOf(read.key);
      files.problems.push(
        `JWT_PRIVATE_KEY_FILE "${privateKeyPath}" holds ${describeKey(read.key)}, but JWT_ALGORITHM=${algorithm} needs ${needs}: ${fits ? `set JWT_ALGORITHM=${fits}, or ` : ''}generate one with \`${generate}\``,
      );
    } else {
      files.signing = { algorithm, key: read.key };
    }
  }

  for (const path of verifyKeyPaths) {
    // A private key file is accepted too: only its public half is kept.
    const read = readPem(path, createPublicKey);
    if ('reason' in read) {
      files.problems.push(`JWT_VERIFY_KEY_FILES must list readable PEM public keys: "${path}" ${read.reason}`);
      continue;
    }
    // Any supported kind is accepted, whatever JWT_ALGORITHM says, so a rotation can also change the algorithm.
    const keyAlgorithm = algorithmOf(read.key);
    if (keyAlgorithm) {
      files.verifyOnly.push({ algorithm: keyAlgorithm, key: read.key });
    } else {
      files.problems.push(
        `JWT_VERIFY_KEY_FILES entry "${path}" holds ${describeKey(read.key)}: list only ${ACCEPTED_VERIFY_KEYS} keys`,
      );
    }
  }
  return files;
}

function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** The algorithm a key serves: each asymmetric algorithm takes exactly one kind of key. */
function algorithmOf(key: KeyObject): AsymmetricAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256';
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return undefined;
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `a ${details.modulusLength}-bit RSA key`;
    case 'rsa-pss':
      return 'an RSA-PSS key';
    case 'ec':
      return `an EC key on the ${CURVE_NAMES[details.namedCurve ?? ''] ?? details.namedCurve} curve`;
    case 'ed25519':
      return 'an Ed25519 key';
    case 'ed448':
      return 'an Ed448 key';
    default:
      return `a key of type ${key.asymmetricKeyType ?? key.type}`;
  }
}

/** The key in a PEM file, or why there is none (never the file's content: it may be a private key). */
function readPem(path: string, parse: (pem: string) => KeyObject): { key: KeyObject } | { reason: string } {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { reason: 'does not exist' };
    if (code === 'EISDIR') return { reason: 'is not a file' };
    return { reason: `cannot be read (${code ?? String(error)})` };
  }
  // PKCS#8 and traditional PEM mark encryption in the clear; Node's own error for it varies by OpenSSL version.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) return { reason: 'is encrypted' };
  try {
    return { key: parse(pem) };
  } catch {
    return { reason: 'holds no such key' };
  }
}
