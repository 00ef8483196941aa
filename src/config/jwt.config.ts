import { createSecretKey } from 'node:crypto';
import { durationSetting } from './duration.js';
import type { EnvironmentVariables } from './env.validation.js';
import { readKeyFiles, type AlgorithmKey } from './signing-keys.js';

export function jwtConfig(env: EnvironmentVariables, problems: string[]) {
  // A KeyObject, parsed once: the signer, the verifier and the refresh-token HMAC take their bytes from it. An unset
  // secret is already a problem; the empty key only keeps this function total.
  const secretKey = createSecretKey(Buffer.from(env.JWT_SECRET ?? '', 'utf8'));
  const keyFiles = readKeyFiles(env);
  problems.push(...keyFiles.problems);
  const signing: AlgorithmKey = keyFiles.signing ?? { algorithm: 'HS256', key: secretKey };
  return {
    // Also the key of the refresh tokens' HMAC, whatever signs the access tokens.
    secretKey,
    // What signs access tokens: JWT_SECRET with HS256, else the private key of JWT_PRIVATE_KEY_FILE.
    signing,
    // Public keys accepted (and published) besides the signing key's own: the overlap of a key rotation.
    verifyOnly: keyFiles.verifyOnly,
    accessTtlSeconds: durationSetting(problems, 'JWT_ACCESS_TTL', env.JWT_ACCESS_TTL),
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE,
    // Verified tokens each instance remembers until they expire (0: verify every request from scratch).
    verifyCacheSize: env.JWT_VERIFY_CACHE_SIZE,
    // Benchmarks only (refused in production): the guard verifies signatures but asks no store.
    revocationCheck: env.REVOCATION_CHECK === 'on',
  };
}

export type JwtConfig = ReturnType<typeof jwtConfig>;
