import { registerAs } from '@nestjs/config';
import { readEnv } from './env.validation.js';

export const redisConfig = registerAs('redis', () => {
  const env = readEnv();
  return {
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    allowEviction: env.ALLOW_EVICTING_REDIS === 'true',
  };
});

export type RedisConfig = ReturnType<typeof redisConfig>;

/** True when a Redis server is configured; the in-memory store is used otherwise. */
export function isRedisConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.REDIS_URL);
}
