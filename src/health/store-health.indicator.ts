import { Injectable, Optional } from '@nestjs/common';
import { InjectRedis } from '@nestjs-modules/ioredis';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisClient } from '../redis/redis-client.js';

const PING_TIMEOUT_MS = 1000;

/** The store's state for readiness: Redis answers PING within a second, or the in-memory store (always up). */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() @InjectRedis() private readonly redis?: RedisClient,
  ) {}

  check() {
    return this.indicators
      .check('store')
      .attempt(async () => {
        if (!this.redis) return { type: 'memory' };
        await this.redis.ping();
        return { type: 'redis', connection: this.redis.status };
      })
      .withTimeout(PING_TIMEOUT_MS);
  }
}
