import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StoreUnavailableError, storeCall } from '../common/errors/store-unavailable.error.js';
import type { StoreEpoch } from '../epoch/store-epoch.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import type { RevocationMirror } from './revocation-mirror.js';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

// One settled promise per answer the guard gets without a round trip: no allocation on the common paths.
const NOT_REVOKED = Promise.resolve(false);
const REVOKED = Promise.resolve(true);
// What the mirror keeps of a check's MGET: the session's absence (keys[0]), when its jti (keys[1]) is absent too.
const SESSION_ANSWERS = { remember: 1, ifAbsent: 2 };

/**
 * The guard's check against Redis: the token's epoch against the one this instance confirmed, then one MGET of its
 * two revocation keys (its session id, its jti), both under the user's hash tag, so one slot on a Cluster too.
 * Standalone and Sentinel, the MGET also reads the epoch's id: a store wiped a moment ago is caught by the very
 * check that would otherwise have found the revoked token's keys gone (a Cluster has that id in another slot; its
 * instances notice a wiped master within the epoch check's interval). `reads` is a connection that only reads (the
 * app's RevocationReads): a write held back by the server (CLIENT PAUSE WRITE) never holds a check behind it.
 *
 * With the mirror, one remembered absence answers for the whole session: a jti is never revoked without its
 * session, for at least as long (END_SESSION, the only script that revokes a jti), so a session known not to be
 * revoked has no revoked token either. A token never seen before, of a session already checked (the access token a
 * refresh just minted), costs no round trip; only the session's first check reads Redis.
 */
export class RedisRevocationStore implements RevocationStore, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly epochId: string | undefined;

  constructor(
    private readonly reads: RedisClient,
    private readonly keys: RedisKeys,
    private readonly epoch: StoreEpoch,
    /** A local copy (tracking `reads`) that answers most checks without a round trip; none: every check asks Redis. */
    private readonly mirror?: RevocationMirror,
  ) {
    this.epochId = reads.isCluster ? undefined : keys.epochId(0);
    // Back on this connection, maybe on a server that lost data meanwhile: the epoch is confirmed again first.
    reads.on('ready', () => epoch.suspect());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.mirror?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.mirror?.stop();
  }

  isRevoked(token: TokenIdentity): Promise<boolean> {
    const known = this.answerFromMemory(token);
    if (known !== undefined) return known ? REVOKED : NOT_REVOKED;
    if (this.epoch.confirmed === undefined) return this.isRevokedOnceConfirmed(token);
    return this.ask(this.checkKeysOf(token), token);
  }

  answerFromMemory(token: TokenIdentity): boolean | undefined {
    const epoch = this.epoch.confirmed;
    if (epoch === undefined) return undefined;
    if (token.epoch !== epoch) return true;
    // The session is not revoked, as of at most REVOCATION_MIRROR_MAX_STALENESS_MS ago, so neither is any of its
    // tokens: not revoked, no round trip.
    const mirror = this.mirror;
    if (!mirror) return undefined;
    return mirror.knowsAbsent(this.keys.revokedSession(token.userId, token.sessionId)) ? false : undefined;
  }

  async settle(): Promise<void> {
    await this.mirror?.catchUp();
  }

  /** Just after a reconnect or a reported flush: the epoch is confirmed first (bounded), then the check runs. */
  private async isRevokedOnceConfirmed(token: TokenIdentity): Promise<boolean> {
    if (token.epoch !== (await this.epoch.current())) return true;
    return this.ask(this.checkKeysOf(token), token);
  }

  private async ask(keys: readonly string[], token: TokenIdentity): Promise<boolean> {
    const mirror = this.mirror;
    // Only the session's absence is remembered, and only when the token's jti is not revoked either: a jti revoked
    // without its session (a key not written by END_SESSION) is never covered by the session's answer.
    const [sid, jti, epoch] = await storeCall(() =>
      mirror ? mirror.read(keys, SESSION_ANSWERS) : this.reads.mget(...keys),
    );
    if (this.epochId !== undefined && epoch !== token.epoch) return this.epochMismatch(epoch);
    return sid !== null || jti !== null;
  }

  /** The store holds no epoch (it was wiped: 503 until the new one is confirmed) or another one (refused). */
  private epochMismatch(epoch: string | null): boolean {
    this.epoch.suspect();
    if (epoch === null) throw new StoreUnavailableError(new Error('the store epoch record is missing'));
    return true;
  }

  /** The keys one check reads: the token's session and jti, and the epoch id where it shares their server. */
  private checkKeysOf(token: TokenIdentity): readonly string[] {
    const session = this.keys.revokedSession(token.userId, token.sessionId);
    const jti = this.keys.revokedToken(token.userId, token.jti);
    return this.epochId === undefined ? [session, jti] : [session, jti, this.epochId];
  }
}
