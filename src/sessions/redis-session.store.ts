import type { OnApplicationShutdown } from '@nestjs/common';
import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisStoreEpoch } from '../epoch/redis-store-epoch.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import type { ReplicatedWriter } from '../redis/replication.js';
import type { RevocationStore } from '../revocation/revocation-store.js';
import {
  END_ALL_SESSIONS,
  END_SESSION,
  INSPECT_REFRESH_TOKEN,
  OPEN_SESSION,
  ROTATE_REFRESH_TOKEN,
} from './redis-session.scripts.js';
import {
  ACCOUNT_MARK_TTL_MS,
  type Caller,
  type CurrentRefreshToken,
  type NewSession,
  type PresentedRefreshToken,
  type RotationRequest,
  type RotationResult,
  type SessionGrant,
  type SessionRecord,
  type SessionStore,
  type SessionTerms,
} from './session-store.js';

type ScriptCall = (...keysThenArgs: (string | number)[]) => Promise<ScriptReply>;
/** {outcome, change count, epoch, ...fields}: see redis-session.scripts.ts. */
type ScriptReply = [string, number, string | null, ...(string | number)[]];

/**
 * Sessions in Redis (see redis-session.scripts.ts for the layout). Every change is one script; those that end
 * sessions are acknowledged only once they are counted in the epoch record, held by the replicas REDIS_WAIT_REPLICAS
 * asks for, and refused by this instance's own checks (its mirror caught up).
 */
export class RedisSessionStore implements SessionStore, OnApplicationShutdown {
  private readonly openScript: ScriptCall;
  private readonly rotateScript: ScriptCall;
  private readonly inspectScript: ScriptCall;
  private readonly endScript: ScriptCall;
  private readonly endAllScript: ScriptCall;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly terms: SessionTerms,
    private readonly epoch: RedisStoreEpoch,
    private readonly writer: ReplicatedWriter,
    private readonly revocations: Pick<RevocationStore, 'settle'>,
  ) {
    // Changes go through the writer's connection, so that WAIT covers them; defineCommand sends EVALSHA, falling
    // back to EVAL once per connection while the script is not cached.
    const client = writer.client;
    client.defineCommand('sessionOpen', { numberOfKeys: 5, lua: OPEN_SESSION });
    client.defineCommand('sessionRotate', { numberOfKeys: 3, lua: ROTATE_REFRESH_TOKEN });
    client.defineCommand('sessionEnd', { numberOfKeys: 4, lua: END_SESSION });
    client.defineCommand('sessionEndAll', { numberOfKeys: 4, lua: END_ALL_SESSIONS });
    redis.defineCommand('sessionInspect', { numberOfKeys: 2, lua: INSPECT_REFRESH_TOKEN });
    const writes = client as unknown as Record<string, ScriptCall>;
    const reads = redis as unknown as Record<string, ScriptCall>;
    this.openScript = writes.sessionOpen.bind(client);
    this.rotateScript = writes.sessionRotate.bind(client);
    this.endScript = writes.sessionEnd.bind(client);
    this.endAllScript = writes.sessionEndAll.bind(client);
    this.inspectScript = reads.sessionInspect.bind(redis);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }

  open(session: NewSession, accountVersion: number): Promise<SessionGrant | undefined> {
    return this.opened(session, accountVersion, undefined);
  }

  reopen(caller: Caller, session: NewSession, accountVersion: number): Promise<SessionGrant | undefined> {
    return this.opened(session, accountVersion, caller);
  }

  async rotate(request: RotationRequest): Promise<RotationResult> {
    const { userId, sessionId } = request;
    const reply = await this.run(
      this.rotateScript,
      userId,
      [this.keys.session(userId, sessionId), this.sessionsKey(userId)],
      [
        sessionId,
        request.generation,
        request.refreshTokenHash,
        request.nextRefreshTokenHash,
        this.terms.refreshTtlMs,
        this.terms.tokenLifetimeMs,
        this.terms.reuseGraceMs,
        this.keys.sessionPrefix(userId),
      ],
    );
    const [outcome, , epoch, createdAt, lastUsedAt, refreshExp, absExp, userAgent] = reply;
    if (outcome === 'reused') {
      await this.settled(userId);
      return { outcome };
    }
    if (outcome !== 'rotated' && outcome !== 'replayed') return { outcome: 'invalid' };
    const session = record(userId, sessionId, { createdAt, lastUsedAt, refreshExp, absExp, ua: userAgent });
    return { outcome, grant: { session, epoch: epoch as string } };
  }

  async inspect(token: PresentedRefreshToken): Promise<CurrentRefreshToken | undefined> {
    const { userId, sessionId } = token;
    const reply = await this.run(
      this.inspectScript,
      userId,
      [this.keys.session(userId, sessionId)],
      [token.generation, token.refreshTokenHash],
    );
    const [outcome, , , createdAt, lastUsedAt, refreshExp, absExp, userAgent, rotatedAt] = reply;
    if (outcome !== 'current') return undefined;
    const session = record(userId, sessionId, { createdAt, lastUsedAt, refreshExp, absExp, ua: userAgent });
    return { session, issuedAtMs: Number(rotatedAt) || session.createdAtMs };
  }

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    return storeCall(async () => {
      const epoch = await this.epoch.current();
      return live(userId, sessionId, await this.redis.hgetall(this.keys.session(userId, sessionId)), epoch);
    });
  }

  list(userId: string): Promise<SessionRecord[]> {
    return storeCall(async () => {
      const epoch = await this.epoch.current();
      const sessionIds = await this.redis.zrange(this.sessionsKey(userId), '0', '-1');
      const hashes = await Promise.all(sessionIds.map((sid) => this.redis.hgetall(this.keys.session(userId, sid))));
      return hashes
        .map((hash, index) => live(userId, sessionIds[index], hash, epoch))
        .filter((found): found is SessionRecord => found !== undefined)
        .sort((a, b) => b.createdAtMs - a.createdAtMs);
    });
  }

  async end(userId: string, sessionId: string, token?: { jti: string; expiresAtMs: number }): Promise<boolean> {
    const keys = [
      this.sessionsKey(userId),
      this.keys.revokedSession(userId, sessionId),
      token ? this.keys.revokedToken(userId, token.jti) : this.sessionsKey(userId),
    ];
    const [outcome] = await this.run(this.endScript, userId, keys, [
      this.keys.sessionPrefix(userId),
      sessionId,
      token ? token.expiresAtMs : '',
    ]);
    await this.settled(userId);
    return outcome === 'ended';
  }

  async endAll(userId: string, accountVersion?: number): Promise<void> {
    await this.run(
      this.endAllScript,
      userId,
      [this.sessionsKey(userId), this.sessionsKey(userId), this.keys.accountMark(userId)],
      [this.keys.sessionPrefix(userId), '', '', accountVersion ?? '', ACCOUNT_MARK_TTL_MS],
    );
    await this.settled(userId);
  }

  async endOthers(caller: Caller): Promise<boolean> {
    const { userId } = caller;
    const [outcome] = await this.run(
      this.endAllScript,
      userId,
      [this.sessionsKey(userId), this.keys.revokedToken(userId, caller.jti), this.keys.accountMark(userId)],
      [this.keys.sessionPrefix(userId), caller.sessionId, '1', '', ACCOUNT_MARK_TTL_MS],
    );
    if (outcome !== 'ended') return false;
    await this.settled(userId);
    return true;
  }

  private async opened(
    session: NewSession,
    accountVersion: number,
    caller: Caller | undefined,
  ): Promise<SessionGrant | undefined> {
    const { userId, sessionId } = session;
    const keys = [
      this.keys.session(userId, sessionId),
      this.sessionsKey(userId),
      caller ? this.keys.revokedToken(userId, caller.jti) : this.sessionsKey(userId),
      this.keys.accountMark(userId),
    ];
    const [outcome, , epoch, createdAt, refreshExp, absExp, ended] = await this.run(this.openScript, userId, keys, [
      sessionId,
      session.userAgent,
      session.refreshTokenHash,
      this.keys.revokedSession(userId, sessionId),
      this.terms.refreshTtlMs,
      this.terms.maxAgeMs,
      this.terms.tokenLifetimeMs,
      this.terms.maxSessions,
      this.keys.sessionPrefix(userId),
      caller?.sessionId ?? '',
      accountVersion,
      ACCOUNT_MARK_TTL_MS,
    ]);
    if (outcome !== 'opened') return undefined;
    // Sessions over the limit, or with a caller every earlier one, ended in the same step: revocations.
    if (ended === 1) await this.settled(userId);
    const opened = { createdAt, lastUsedAt: createdAt, refreshExp, absExp, ua: session.userAgent };
    return { session: record(userId, sessionId, opened), epoch: epoch as string };
  }

  /**
   * Runs a session script with the epoch in front (see the calling convention in redis-session.scripts.ts) and
   * counts the change it made; a store without an epoch record has lost its data (503, and the epoch is checked).
   */
  private run(script: ScriptCall, userId: string, keys: string[], args: (string | number)[]): Promise<ScriptReply> {
    return storeCall(async () => {
      const epoch = await this.epoch.scriptArgs(this.sessionsKey(userId));
      const reply = await script(epoch.key, ...keys, epoch.id, ...args);
      const [outcome, count, epochId] = reply;
      if (outcome === 'no-epoch') throw this.epoch.missing();
      if (CHANGES.has(outcome)) await this.epoch.counted(this.sessionsKey(userId), { epoch: epochId, rev: count });
      return reply;
    });
  }

  /** A revocation is acknowledged once the replicas asked for hold it and this instance's own checks refuse it. */
  private async settled(userId: string): Promise<void> {
    await storeCall(async () => {
      if (!(await this.writer.replicated(this.sessionsKey(userId)))) {
        throw new Error('fewer replicas than REDIS_WAIT_REPLICAS confirmed the revocation in time');
      }
    });
    await this.revocations.settle();
  }

  private sessionsKey(userId: string): string {
    return this.keys.sessions(userId);
  }
}

/** Outcomes that changed the store: each is counted in the epoch record. */
const CHANGES = new Set(['opened', 'rotated', 'reused', 'ended', 'revoked']);

/** A session's stored fields (as a hash or a script returns them), by their names in the record. */
type StoredFields = Record<
  'createdAt' | 'lastUsedAt' | 'refreshExp' | 'absExp' | 'ua',
  string | number | null | undefined
>;

function record(userId: string, sessionId: string, fields: StoredFields): SessionRecord {
  return {
    userId,
    sessionId,
    createdAtMs: Number(fields.createdAt),
    lastUsedAtMs: Number(fields.lastUsedAt),
    userAgent: String(fields.ua ?? ''),
    refreshExpiresAtMs: Number(fields.refreshExp),
    absoluteExpiresAtMs: Number(fields.absExp),
  };
}

/** A stored session whose refresh token still works, of the current epoch; undefined for anything else. */
function live(userId: string, sessionId: string, hash: Record<string, string>, epoch: string) {
  if (!hash.createdAt || hash.ep !== epoch || Number(hash.refreshExp) <= Date.now()) return undefined;
  return record(userId, sessionId, hash as StoredFields);
}
