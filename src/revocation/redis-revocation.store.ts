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

/**
 * The guard's check against Redis: the token's epoch against the one this instance confirmed, then one MGET of its
 * two revocation keys (its jti, its session id), both under the user's hash tag, so one slot on a Cluster too.
 * Standalone and Sentinel, the MGET also reads the epoch's id: a store wiped a moment ago is caught by the very
 * check that would otherwise have found the revoked token's keys gone (a Cluster has that id in another slot; its
 * instances notice a wiped master within the epoch check's interval). `reads` is a connection that only reads (the
 * app's RevocationReads): a write held back by the server (CLIENT PAUSE WRITE) never holds a check behind it.
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
    const epoch = this.epoch.confirmed;
    if (epoch === undefined) return this.isRevokedOnceConfirmed(token);
    if (token.epoch !== epoch) return REVOKED;
    const keys = this.checkKeysOf(token);
    // Neither revocation exists, as of at most REVOCATION_MIRROR_MAX_STALENESS_MS ago: not revoked, no round trip.
    if (this.mirror?.knowsAbsent(keys, 2)) return NOT_REVOKED;
    return this.ask(keys, token);
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
    const [jti, sid, epoch] = await storeCall(() => (mirror ? mirror.read(keys) : this.reads.mget(...keys)));
    if (this.epochId !== undefined && epoch !== token.epoch) return this.epochMismatch(epoch);
    return jti !== null || sid !== null;
  }

  /** The store holds no epoch (it was wiped: 503 until the new one is confirmed) or another one (refused). */
  private epochMismatch(epoch: string | null): boolean {
    this.epoch.suspect();
    if (epoch === null) throw new StoreUnavailableError(new Error('the store epoch record is missing'));
    return true;
  }

  /** The keys one check reads: the token's jti and session, and the epoch id where it shares their server. */
  private checkKeysOf(token: TokenIdentity): readonly string[] {
    const revocations = [
      this.keys.revokedToken(token.userId, token.jti),
      this.keys.revokedSession(token.userId, token.sessionId),
    ];
    return this.epochId === undefined ? revocations : [...revocations, this.epochId];
  }
}
