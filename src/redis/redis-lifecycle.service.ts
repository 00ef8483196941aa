import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRedis } from '@nestjs-modules/ioredis';
import { dataNodes, type RedisClient } from './redis-client.js';
import { StartupRefusedError } from '../common/errors/startup-refused.error.js';
import type { AllConfig } from '../config/config.types.js';
import { judgeEvictionPolicy, readEvictionPolicy } from './eviction-policy.js';

const READY_TIMEOUT_MS = 5000;
const ERROR_LOG_INTERVAL_MS = 10_000;
const QUIT_TIMEOUT_MS = 1000;

/**
 * Waits for the first connection at boot (so the first requests do not meet a cold client), refuses to start on
 * a Redis that may evict revocations, and closes the connection on shutdown.
 */
@Injectable()
export class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly allowEviction: boolean;
  private lastErrorLoggedAt = 0;
  private lastError: Error | undefined;

  constructor(
    config: ConfigService<AllConfig, true>,
    @Optional() @InjectRedis() private readonly redis?: RedisClient,
  ) {
    this.allowEviction = config.get('redis.allowEviction', { infer: true });
    // As early as possible: without a listener, ioredis reports each failed connection attempt as unhandled.
    this.redis?.on('error', (error: Error) => this.reportError(error));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) {
      this.logger.warn(
        'REDIS_URL is not set: using the in-memory store (one instance only; revocations are lost on restart)',
      );
      return;
    }
    const redis = this.redis;
    if (!(await this.waitUntilReady(redis))) {
      const cause = this.lastError ? ` (last error: ${this.lastError.message})` : '';
      this.logger.error(`Redis is not ready${cause}: protected routes answer 503 until it is`);
      // The policy is checked as soon as a connection exists (until then every request gets 503); an evicting
      // Redis then stops the process as it would have stopped the start.
      redis.once('ready', () => void this.checkEvictionPolicy(redis).catch((error: Error) => this.refuseToRun(error)));
      return;
    }
    await this.checkEvictionPolicy(redis);
  }

  /** QUIT lets in-flight commands finish; a Redis that does not answer within a second is simply disconnected. */
  async onApplicationShutdown(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'end') return;
    const timeout = new Promise((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref());
    await Promise.race([redis.quit().catch(() => undefined), timeout]);
    redis.disconnect(); // a no-op once QUIT has closed it
  }

  private async checkEvictionPolicy(redis: RedisClient): Promise<void> {
    // On a Cluster, every master holds revocations: each must keep them.
    for (const node of dataNodes(redis)) {
      const judgement = judgeEvictionPolicy(await readEvictionPolicy(node), this.allowEviction);
      if (judgement.verdict === 'refuse') throw new StartupRefusedError(judgement.reason);
      if (judgement.verdict === 'warn') this.logger.warn(judgement.reason);
    }
  }

  private refuseToRun(error: Error): void {
    this.logger.fatal(error.message);
    process.stderr.write(`${error.message}\n`, () => process.exit(1));
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
