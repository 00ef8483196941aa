import { Injectable, Optional } from '@nestjs/common';
import { InjectRedis } from '@nestjs-modules/ioredis';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisClient } from '../redis/redis-client.js';
import { InjectRevocationReads } from '../redis/revocation-reads.js';

const PING_TIMEOUT_MS = 1000;

/**
 * The store's state for readiness: Redis answers PING within a second on both connections (the shared one, and the
 * guard's read connection), or the in-memory store (always up).
 */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() @InjectRedis() private readonly redis?: RedisClient,
    @Optional() @InjectRevocationReads() private readonly reads?: RedisClient,
  ) {}

  check() {
    return this.indicators
      .check('store')
      .attempt(async () => {
        if (!this.redis) return { type: 'memory' };
        await Promise.all([this.redis.ping(), this.reads?.ping()]);
        return { type: 'redis', connection: this.redis.status, reads: this.reads?.status };
      })
      .withTimeout(PING_TIMEOUT_MS);
  }
}
