import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface RevocationMirrorOptions {
  /** Every key the mirror may hold starts with it (REDIS_KEY_PREFIX): Redis reports writes under it. */
  keyPrefix: string;
  /** A cached "not revoked" is answered only while every write older than this is known to have reached us. */
  maxStalenessMs: number;
  maxEntries: number;
  /** Told when Redis reports that the whole keyspace was flushed (FLUSHALL, FLUSHDB): the data may be gone. */
  onFlush: () => void;
}

const ABSENT = true;
const INVALIDATION_CHANNEL = '__redis__:invalidate';
// While tracking is off on live connections (e.g. the ACL refused it), how often to try again.
const RETRY_MS = 5_000;

/**
 * A local memory of which revocation keys do not exist, kept correct by Redis server-assisted client-side caching
 * (`CLIENT TRACKING … BCAST PREFIX`): Redis pushes the name of every key written under the prefix, by anyone, to our
 * subscriber connection, and the mirror forgets it.
 *
 * It fails closed. A value read from Redis is kept only when the read was sent while tracking was on and no
 * invalidation of that key arrived while it was in flight. Cached values are answered only while a heartbeat PING
 * on the subscriber connection came back within `maxStalenessMs`: a PONG follows every invalidation Redis queued
 * before it on that connection, so every write older than that bound has been applied here. When either
 * connection closes, the whole copy is dropped and every request asks Redis until tracking is on again. Freshness
 * is measured on the monotonic clock: a step of the wall clock can neither stretch nor shorten it.
 */
export class RevocationMirror {
  private readonly logger = new Logger('RevocationMirror');
  private readonly absent: LRUCache<string, true>;
  private readonly subscriber: Redis;
  // Reads in flight per key, and the keys invalidated while one was: their answers must not be kept.
  private readonly inFlight = new Map<string, number>();
  private readonly invalidatedInFlight = new Set<string>();
  private readonly heartbeatMs: number;
  private heartbeat?: NodeJS.Timeout;
  private pinging = false;
  private starting?: Promise<void>;
  private restartRequested = false;
  private lastAttemptAt = -Infinity;
  private warnedOff = false;
  private subscribed = false;
  /** Bumped whenever the copy is dropped: answers to reads sent before then are not kept. */
  private generation = 0;
  private tracking = false;
  private freshUntil = 0;
  private stopped = false;

  constructor(
    private readonly data: Redis,
    private readonly options: RevocationMirrorOptions,
  ) {
    this.absent = new LRUCache({ max: options.maxEntries });
    this.heartbeatMs = Math.max(5, Math.floor(options.maxStalenessMs / 4));
    // RESP2 on purpose: Redis sends invalidations to a RESP2 client as Pub/Sub messages, which ioredis delivers;
    // to a RESP3 client they would come as `invalidate` pushes, which ioredis drops.
    // No automatic re-subscription: after a reconnect the connection must first say its new CLIENT ID.
    this.subscriber = data.duplicate({
      protocol: 2,
      lazyConnect: true,
      autoResubscribe: false,
      connectionName: 'revocation-mirror',
    });
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === INVALIDATION_CHANNEL) this.invalidate(keys);
    });
    this.subscriber.on('error', () => undefined); // RedisLifecycle logs the store's state; reconnects are automatic.
    this.subscriber.on('close', () => {
      this.subscribed = false;
      this.drop('the invalidation connection closed');
    });
    this.subscriber.on('ready', () => this.startTracking());
    data.on('close', () => this.drop('the data connection closed'));
    data.on('ready', () => {
      // The subscriber connects once the data connection has: never a second connection retrying a dead server.
      if (this.subscriber.status === 'wait') void this.subscriber.connect().catch(() => undefined);
      this.startTracking();
    });
  }

  async start(): Promise<void> {
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs).unref();
    if (this.data.status === 'ready') await this.subscriber.connect().catch(() => undefined); // then ioredis retries
    this.startTracking();
    await this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.drop();
    // Never connected (the data connection never was): QUIT would open a connection just to close it.
    if (this.subscriber.status !== 'wait') await this.subscriber.quit().catch(() => undefined);
    this.subscriber.disconnect();
  }

  /** Whether answers from memory may be used now. */
  isFresh(): boolean {
    return this.tracking && performance.now() <= this.freshUntil;
  }

  /**
   * True when `key` is known not to exist in Redis, as of at most `maxStalenessMs` ago. Only absence is kept: a key
   * that exists (a revocation) expires in Redis on its own clock, which the mirror cannot see until Redis gets round
   * to deleting it; so such checks always ask Redis.
   */
  knowsAbsent(key: string): boolean {
    return this.isFresh() && this.absent.has(key);
  }

  /**
   * MGET through the mirror. The absence of the first `remember` keys is kept when it is known to be current, and
   * only when none of the first `ifAbsent` keys exists: a check that finds a revocation remembers nothing.
   */
  async read(
    keys: readonly string[],
    { remember = keys.length, ifAbsent = remember }: { remember?: number; ifAbsent?: number } = {},
  ): Promise<(string | null)[]> {
    const generation = this.generation;
    const keep = this.tracking;
    for (let index = 0; index < remember; index += 1) this.readStarted(keys[index]);
    try {
      const values = await this.data.mget(...keys);
      if (keep && generation === this.generation && allAbsent(values, ifAbsent)) {
        for (let index = 0; index < remember; index += 1) {
          const key = keys[index];
          if (!this.invalidatedInFlight.has(key)) this.absent.set(key, ABSENT);
        }
      }
      return values;
    } finally {
      for (let index = 0; index < remember; index += 1) this.settleRead(keys[index]);
    }
  }

  /**
   * Resolves once every invalidation for writes this instance already made has been applied here: Redis answers
   * the PING only after the invalidations it queued before it. So the instance that revoked refuses at once.
   */
  async catchUp(): Promise<void> {
    if (!this.tracking) return;
    await this.subscriber.ping().catch(() => this.drop('the invalidation connection did not answer'));
  }

  /** Turns tracking on, one attempt at a time; a request arriving meanwhile runs one more attempt after it. */
  private startTracking(): void {
    // Tracking that is on stays on until a connection closes, and every close turns it off first.
    if (this.tracking) return;
    if (this.starting) {
      this.restartRequested = true;
      return;
    }
    this.starting = (async () => {
      do {
        this.restartRequested = false;
        await this.turnTrackingOn();
      } while (this.restartRequested && !this.tracking && !this.stopped);
    })().finally(() => (this.starting = undefined));
  }

  private async turnTrackingOn(): Promise<void> {
    if (this.stopped || this.subscriber.status !== 'ready' || this.data.status !== 'ready') return;
    this.lastAttemptAt = performance.now();
    // Nothing cached survives a restart: between TRACKING OFF and ON, writes are reported to no one.
    this.drop();
    const generation = this.generation;
    try {
      // CLIENT ID cannot be asked in subscriber mode (a previous attempt may have got that far).
      if (this.subscribed) await this.subscriber.unsubscribe();
      this.subscribed = false;
      const id = await this.subscriber.client('ID');
      await this.subscriber.subscribe(INVALIDATION_CHANNEL);
      this.subscribed = true;
      await this.data.call('CLIENT', 'TRACKING', 'OFF');
      await this.data.call(
        'CLIENT',
        'TRACKING',
        'ON',
        'REDIRECT',
        String(id),
        'BCAST',
        'PREFIX',
        this.options.keyPrefix,
      );
      // A connection dropped meanwhile: its 'ready' asks for another attempt.
      if (generation !== this.generation || this.stopped) return;
      this.tracking = true;
      this.warnedOff = false;
      this.logger.log(`On: revocation answers cached locally, at most ${this.options.maxStalenessMs} ms stale`);
    } catch (error) {
      if (this.warnedOff) return;
      this.warnedOff = true;
      this.logger.warn(`Off, every request asks Redis: tracking could not be turned on (${(error as Error).message})`);
    }
  }

  /** Heartbeat: keeps the copy fresh while tracking is on, and retries turning it on now and then while it is off. */
  private beat(): void {
    if (this.tracking) return this.ping();
    if (!this.starting && performance.now() - this.lastAttemptAt >= RETRY_MS) this.startTracking();
  }

  private ping(): void {
    if (this.pinging) return;
    const sentAt = performance.now();
    const generation = this.generation;
    this.pinging = true;
    this.subscriber
      .ping()
      .then(() => {
        if (generation === this.generation) this.freshUntil = sentAt + this.options.maxStalenessMs;
      })
      .catch(() => undefined) // a late or failed PING only lets freshness lapse
      .finally(() => (this.pinging = false));
  }

  private invalidate(keys: Buffer[] | null): void {
    // No key list: the whole keyspace was flushed (FLUSHDB, FLUSHALL); tracking itself is still on.
    if (keys === null) {
      this.forgetAll();
      return this.options.onFlush();
    }
    for (const buffer of keys) {
      const key = buffer.toString();
      this.absent.delete(key);
      if (this.inFlight.has(key)) this.invalidatedInFlight.add(key);
    }
  }

  private readStarted(key: string): void {
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
  }

  private settleRead(key: string): void {
    const remaining = (this.inFlight.get(key) ?? 1) - 1;
    if (remaining > 0) return void this.inFlight.set(key, remaining);
    this.inFlight.delete(key);
    this.invalidatedInFlight.delete(key);
  }

  /** Forgets everything and stops answering from memory until tracking is on again. */
  private drop(reason?: string): void {
    this.forgetAll();
    this.freshUntil = 0;
    if (this.tracking && reason && !this.stopped) this.logger.warn(`Off until tracking is back on: ${reason}`);
    this.tracking = false;
  }

  /** Forgets every cached value, and the answers of the reads now in flight. */
  private forgetAll(): void {
    this.generation += 1;
    this.absent.clear();
    for (const key of this.inFlight.keys()) this.invalidatedInFlight.add(key);
  }
}

function allAbsent(values: readonly (string | null)[], count: number): boolean {
  for (let index = 0; index < count; index += 1) if (values[index] !== null) return false;
  return true;
}
