import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRedis } from '@nestjs-modules/ioredis';
import { dataNodes, type RedisClient } from './redis-client.js';
import { InjectRevocationReads } from './revocation-reads.js';
import { StartupRefusedError } from '../common/errors/startup-refused.error.js';
import type { AllConfig } from '../config/config.types.js';
import { judgeEvictionPolicy, readEvictionPolicy } from './eviction-policy.js';
import { judgePersistence, readPersistence } from './persistence.js';
import type { SettingVerdict } from './setting-verdict.js';

const READY_TIMEOUT_MS = 5000;
const ERROR_LOG_INTERVAL_MS = 10_000;
const QUIT_TIMEOUT_MS = 1000;

/**
 * Waits for the first connections at boot (so the first requests do not meet a cold client), refuses to start on
 * a Redis that may evict revocations or forgets them on restart (and stops the app if the Redis it reconnects to,
 * after a restart or a failover, is such a one), and closes the connections on shutdown: the shared one and the
 * guard's read connection (same servers: the settings are read on the shared one).
 */
@Injectable()
export class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly allowEviction: boolean;
  private readonly allowVolatile: boolean;
  private lastErrorLoggedAt = 0;
  private lastError: Error | undefined;
  private readonly connections: RedisClient[];

  constructor(
    config: ConfigService<AllConfig, true>,
    @Optional() @InjectRedis() private readonly redis?: RedisClient,
    @Optional() @InjectRevocationReads() reads?: RedisClient,
  ) {
    this.allowEviction = config.get('redis.allowEviction', { infer: true });
    this.allowVolatile = config.get('redis.allowVolatile', { infer: true });
    this.connections = [redis, reads].filter((connection): connection is RedisClient => connection !== undefined);
    // As early as possible: without a listener, ioredis reports each failed connection attempt as unhandled.
    for (const connection of this.connections) connection.on('error', (error: Error) => this.reportError(error));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) {
      this.logger.warn(
        'REDIS_URL is not set: using the in-memory store (one instance only; a restart ends every session and refuses every earlier token)',
      );
      return;
    }
    const redis = this.redis;
    const ready = await Promise.all(this.connections.map((connection) => this.waitUntilReady(connection)));
    if (redis.status === 'ready') await this.checkSettings(redis);
    if (!ready.every(Boolean)) {
      const cause = this.lastError ? ` (last error: ${this.lastError.message})` : '';
      this.logger.error(`Redis is not ready${cause}: protected routes answer 503 until it is`);
    }
    // Checked again on every connection (until one exists every request gets 503): a Redis that would have stopped
    // the start stops the process.
    redis.on('ready', () => void this.recheckSettings(redis));
  }

  /** QUIT lets in-flight commands finish; a Redis that does not answer within a second is simply disconnected. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.map((connection) => this.close(connection)));
  }

  /** Eviction and persistence. On a Cluster, every master holds revocations: each must keep them. */
  private async checkSettings(redis: RedisClient): Promise<void> {
    for (const node of dataNodes(redis)) {
      this.apply(judgeEvictionPolicy(await readEvictionPolicy(node), this.allowEviction));
      this.apply(judgePersistence(await readPersistence(node), this.allowVolatile));
    }
  }

  private async recheckSettings(redis: RedisClient): Promise<void> {
    try {
      await this.checkSettings(redis);
    } catch (error) {
      if (error instanceof StartupRefusedError) return this.refuseToRun(error);
      // A connection that dropped again before answering: the next one is checked.
      this.logger.warn(`Could not read the Redis settings: ${(error as Error).message}`);
    }
  }

  private apply(judgement: SettingVerdict): void {
    if (judgement.verdict === 'refuse') throw new StartupRefusedError(judgement.reason);
    if (judgement.verdict === 'warn') this.logger.warn(judgement.reason);
  }

  private refuseToRun(error: Error): void {
    this.logger.fatal(error.message);
    process.stderr.write(`${error.message}\n`, () => process.exit(1));
  }

  private async close(redis: RedisClient): Promise<void> {
    if (redis.status === 'end') return;
    const timeout = new Promise((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref());
    await Promise.race([redis.quit().catch(() => undefined), timeout]);
    redis.disconnect(); // a no-op once QUIT has closed it; also ends a Sentinel client's failover-detector connections
  }

  private waitUntilReady(redis: RedisClient): Promise<boolean> {
    if (redis.status === 'ready') return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  // ioredis emits an error for every failed reconnect attempt; one line per outage is enough for operators.
  private reportError(error: Error): void {
    this.lastError = error;
    const now = Date.now();
    if (now - this.lastErrorLoggedAt < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLoggedAt = now;
    this.logger.error(`Redis connection error: ${error.message}`);
  }
}
