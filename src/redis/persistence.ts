import type { Redis } from 'ioredis';
import type { SettingVerdict } from './setting-verdict.js';

/** What Redis keeps across a restart: an append-only file, RDB snapshots (`save` rules), both, or nothing known. */
export interface Persistence {
  appendOnly: boolean;
  /** The `save` rules ('' when RDB snapshots are off); undefined when they cannot be read. */
  saveRules: string | undefined;
}

/**
 * A Redis that neither appends nor snapshots forgets every revocation when it restarts. The epoch check would
 * still refuse every token issued before, but every user would have to sign in again: refused unless
 * ALLOW_VOLATILE_REDIS=true. With RDB only, a restart loses the writes since the last snapshot, which the epoch
 * check detects as a rollback (everyone signs in again): a warning.
 */
export function judgePersistence(persistence: Persistence, allowVolatile: boolean): SettingVerdict {
  if (persistence.appendOnly) return { verdict: 'safe' };
  if (persistence.saveRules === undefined) {
    return {
      verdict: 'warn',
      reason:
        'Redis persistence is unknown (CONFIG is not allowed) and the append-only file is off: if it keeps nothing ' +
        'across a restart, every user must sign in again after one',
    };
  }
  if (persistence.saveRules !== '') {
    return {
      verdict: 'warn',
      reason:
        `Redis keeps only RDB snapshots (save "${persistence.saveRules}"): a restart loses the writes since the last ` +
        'one, which ends the store epoch (every user signs in again); set appendonly yes to keep them',
    };
  }
  const risk = 'Redis has neither an append-only file nor RDB snapshots: a restart forgets every revocation';
  if (allowVolatile) return { verdict: 'warn', reason: `${risk} (allowed by ALLOW_VOLATILE_REDIS=true)` };
  return {
    verdict: 'refuse',
    reason: `${risk}; set appendonly yes (CONFIG SET appendonly yes), or accept it with ALLOW_VOLATILE_REDIS=true`,
  };
}

/** CONFIG GET where allowed, else the `aof_enabled` line of INFO persistence (managed Redis often disables CONFIG). */
export async function readPersistence(redis: Redis): Promise<Persistence> {
  try {
    const [, appendOnly] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, saveRules] = (await redis.config('GET', 'save')) as [string, string];
    if (appendOnly !== undefined && saveRules !== undefined) return { appendOnly: appendOnly === 'yes', saveRules };
  } catch {
    // CONFIG is renamed or disabled: fall through to INFO.
  }
  const info = await redis.info('persistence');
  return { appendOnly: /^aof_enabled:1/m.test(info), saveRules: undefined };
}
