import { createSecretKey } from 'node:crypto';
import { registerAs } from '@nestjs/config';
import { parseDurationSeconds } from './duration.js';
import { readEnv } from './env.validation.js';

export const jwtConfig = registerAs('jwt', () => {
  const env = readEnv();
  return {
    // A KeyObject, never a string: jsonwebtoken@9 re-parses a string secret on every verify (~0.5 ms of CPU).
    secretKey: createSecretKey(Buffer.from(env.JWT_SECRET as string, 'utf8')),
    algorithm: 'HS256' as const,
    accessTtlSeconds: parseDurationSeconds(env.JWT_ACCESS_TTL) as number,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE,
    // Benchmarks only (refused in production): the guard verifies signatures but asks no store.
    revocationCheck: env.REVOCATION_CHECK === 'on',
  };
});

export type JwtConfig = ReturnType<typeof jwtConfig>;
