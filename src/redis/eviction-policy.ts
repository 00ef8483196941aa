import type { Redis } from 'ioredis';
import type { SettingVerdict } from './setting-verdict.js';

/**
 * An evicting Redis silently un-revokes tokens: a dropped revocation key is a logged-out token that works again.
 * `noeviction` is safe; `volatile-*` can evict our keys (they all expire), so it needs ALLOW_EVICTING_REDIS=true;
 * `allkeys-*` is always refused.
 */
export function judgeEvictionPolicy(policy: string, allowEviction: boolean): SettingVerdict {
  if (policy === 'noeviction') return { verdict: 'safe' };
  const risk = `Redis maxmemory-policy is "${policy}": under memory pressure it evicts revocation keys, which un-revokes tokens`;
  if (policy.startsWith('volatile-') && allowEviction)
    return { verdict: 'warn', reason: `${risk} (allowed by ALLOW_EVICTING_REDIS=true)` };
  const fix = policy.startsWith('volatile-')
    ? 'set it to noeviction, or accept the risk with ALLOW_EVICTING_REDIS=true'
    : 'set it to noeviction (CONFIG SET maxmemory-policy noeviction)';
  return { verdict: 'refuse', reason: `${risk}; ${fix}` };
}

/** CONFIG GET where allowed, else the `maxmemory_policy` line of INFO memory (managed Redis often disables CONFIG). */
export async function readEvictionPolicy(redis: Redis): Promise<string> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy) return policy;
  } catch {
    // CONFIG is renamed or disabled: fall through to INFO.
  }
  const info = await redis.info('memory');
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
}
