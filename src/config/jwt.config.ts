import { createSecretKey } from 'node:crypto';
import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration.js';
import { readEnv } from './env.validation.js';
import { readKeyFiles, type AlgorithmKey } from './signing-keys.js';

export const jwtConfig = registerAs('jwt', () => {
  const env = readEnv();
  // A KeyObject, never a string: jsonwebtoken@9 re-parses a string secret on every verify (~0.5 ms of CPU).
  const secretKey = createSecretKey(Buffer.from(env.JWT_SECRET as string, 'utf8'));
  // Already checked by readEnv(): with an asymmetric algorithm the signing key is there.
  const keyFiles = readKeyFiles(env);
  const signing: AlgorithmKey = keyFiles.signing ?? { algorithm: 'HS256', key: secretKey };
  return {
    // Also the key of the refresh tokens' HMAC, whatever signs the access tokens.
    secretKey,
    // What signs access tokens: JWT_SECRET with HS256, else the private key of JWT_PRIVATE_KEY_FILE.
    signing,
    // Public keys accepted (and published) besides the signing key's own: the overlap of a key rotation.
    verifyOnly: keyFiles.verifyOnly,
    accessTtlSeconds: parseDurationSeconds(env.JWT_ACCESS_TTL) as number,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE,
    // Verified tokens each instance remembers until they expire (0: verify every request from scratch).
    verifyCacheSize: env.JWT_VERIFY_CACHE_SIZE,
    // Benchmarks only (refused in production): the guard verifies signatures but asks no store.
    revocationCheck: env.REVOCATION_CHECK === 'on',
  };
});

export type JwtConfig = ReturnType<typeof jwtConfig>;
