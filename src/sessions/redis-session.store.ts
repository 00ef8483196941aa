import type { RedisClient } from '../redis/redis-client.js';
import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import {
  CREATE_SESSION,
  INSPECT_REFRESH_TOKEN,
  REMOVE_ALL_SESSIONS,
  ROTATE_REFRESH_TOKEN,
} from './redis-session.scripts.js';
import type {
  CurrentRefreshToken,
  NewSession,
  PresentedRefreshToken,
  RotationRequest,
  RotationResult,
  SessionRecord,
  SessionStore,
} from './session-store.js';

type ScriptCall = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

/**
 * One hash per session (`<prefix>{<tag>}:session:<userId>:<sid>`, expiring with its refresh token) and one sorted
 * set of the user's session ids scored by that expiry (`<prefix>{<tag>}:sessions:<userId>`), pruned on every login.
 */
export class RedisSessionStore implements SessionStore {
  private readonly createScript: ScriptCall;
  private readonly rotateScript: ScriptCall;
  private readonly inspectScript: ScriptCall;
  private readonly removeAllScript: ScriptCall;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    // defineCommand sends EVALSHA, falling back to EVAL once per connection when the script is not cached yet.
    redis.defineCommand('sessionCreate', { numberOfKeys: 2, lua: CREATE_SESSION });
    redis.defineCommand('sessionRotate', { numberOfKeys: 4, lua: ROTATE_REFRESH_TOKEN });
    redis.defineCommand('sessionInspect', { numberOfKeys: 3, lua: INSPECT_REFRESH_TOKEN });
    redis.defineCommand('sessionRemoveAll', { numberOfKeys: 1, lua: REMOVE_ALL_SESSIONS });
    const commands = redis as unknown as Record<string, ScriptCall>;
    this.createScript = commands.sessionCreate.bind(redis);
    this.rotateScript = commands.sessionRotate.bind(redis);
    this.inspectScript = commands.sessionInspect.bind(redis);
    this.removeAllScript = commands.sessionRemoveAll.bind(redis);
  }

  create(session: NewSession, maxSessions: number): Promise<string[]> {
    return storeCall(
      async () =>
        (await this.createScript(
          this.keys.session(session.userId, session.sessionId),
          this.keys.sessions(session.userId),
          session.sessionId,
          session.createdAtMs,
          session.userAgent,
          session.refreshExpiresAtMs,
          session.absoluteExpiresAtMs,
          session.refreshTokenHash,
          maxSessions,
          this.keys.sessionPrefix(session.userId),
        )) as string[],
    );
  }

  async rotate(request: RotationRequest): Promise<RotationResult> {
    const [outcome, refreshExpiresAt] = (await storeCall(() =>
      this.rotateScript(
        this.keys.session(request.userId, request.sessionId),
        this.keys.sessions(request.userId),
        this.keys.revokedSession(request.userId, request.sessionId),
        this.keys.notBefore(request.userId),
        request.sessionId,
        request.generation,
        request.refreshTokenHash,
        request.nextRefreshTokenHash,
        request.nextRefreshExpiresAtMs,
        request.nowMs,
        request.reuseGraceMs,
        request.revokeSessionUntilMs,
      ),
    )) as [RotationResult['outcome'], string | undefined];
    return outcome === 'rotated' ? { outcome, refreshExpiresAtMs: Number(refreshExpiresAt) } : { outcome };
  }

  async inspect(token: PresentedRefreshToken, nowMs: number): Promise<CurrentRefreshToken | undefined> {
    const fields = (await storeCall(() =>
      this.inspectScript(
        this.keys.session(token.userId, token.sessionId),
        this.keys.revokedSession(token.userId, token.sessionId),
        this.keys.notBefore(token.userId),
        token.generation,
        token.refreshTokenHash,
        nowMs,
      ),
    )) as [string, string, string, string, string, string] | null;
    if (!fields) return undefined;
    const [createdAt, lastUsedAt, ua, refreshExp, absExp, rotatedAt] = fields;
    const session = toRecord(token.userId, token.sessionId, { createdAt, lastUsedAt, ua, refreshExp, absExp });
    return session && { session, issuedAtMs: Number(rotatedAt) || session.createdAtMs };
  }

  find(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    return storeCall(async () =>
      toRecord(userId, sessionId, await this.redis.hgetall(this.keys.session(userId, sessionId))),
    );
  }

  list(userId: string): Promise<SessionRecord[]> {
    return storeCall(async () => {
      const sessionIds = await this.redis.zrangebyscore(this.keys.sessions(userId), Date.now(), '+inf');
      const hashes = await Promise.all(sessionIds.map((sid) => this.redis.hgetall(this.keys.session(userId, sid))));
      return hashes
        .map((hash, index) => toRecord(userId, sessionIds[index], hash))
        .filter((record): record is SessionRecord => record !== undefined)
        .sort((a, b) => b.createdAtMs - a.createdAtMs);
    });
  }

  remove(userId: string, sessionId: string): Promise<boolean> {
    return storeCall(async () => {
      const [removed] = await Promise.all([
        this.redis.del(this.keys.session(userId, sessionId)),
        this.redis.zrem(this.keys.sessions(userId), sessionId),
      ]);
      return removed > 0;
    });
  }

  async removeAll(userId: string): Promise<void> {
    await storeCall(() => this.removeAllScript(this.keys.sessions(userId), this.keys.sessionPrefix(userId)));
  }
}

function toRecord(userId: string, sessionId: string, hash: Record<string, string>): SessionRecord | undefined {
  if (!hash.createdAt) return undefined;
  return {
    userId,
    sessionId,
    createdAtMs: Number(hash.createdAt),
    lastUsedAtMs: Number(hash.lastUsedAt),
    userAgent: hash.ua ?? '',
    refreshExpiresAtMs: Number(hash.refreshExp),
    absoluteExpiresAtMs: Number(hash.absExp),
  };
}
