import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRedis } from '@nestjs-modules/ioredis';
import type { Redis } from 'ioredis';

const READY_TIMEOUT_MS = 5000;

/** Waits for the first connection at boot (so the first requests do not meet a cold client) and closes it on shutdown. */
@Injectable()
export class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Optional() @InjectRedis() private readonly redis?: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    this.redis?.on('error', (error: Error) => this.reportError(error));
    if (!this.redis) {
      this.logger.warn(
        'REDIS_URL is not set: using the in-memory store (one instance only; revocations are lost on restart)',
      );
      return;
    }
    if (this.redis.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      this.redis?.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) this.logger.error('Redis is not reachable yet: protected routes answer 503 until it is');
  }

  // ioredis emits an error for every failed reconnect attempt; one line per outage is enough for operators.
  private lastErrorLoggedAt = 0;

  private reportError(error: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLoggedAt < 10_000) return;
    this.lastErrorLoggedAt = now;
    this.logger.error(`Redis connection error: ${error.message}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis || this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
