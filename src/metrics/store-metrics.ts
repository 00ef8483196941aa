import { Injectable, Optional } from '@nestjs/common';
import { InjectRedis } from '@nestjs-modules/ioredis';
import { Gauge, Registry } from 'prom-client';
import type { RedisClient } from '../redis/redis-client.js';
import { InjectRevocationReads } from '../redis/revocation-reads.js';
import { METRIC_PREFIX } from './metrics-registry.js';

/**
 * `store_up`: 1 while the revocation store can answer, 0 while it cannot. Read from the state of both Redis
 * connections (the shared one, the guard's read connection) at each scrape (nothing to keep in step with connection
 * events); the in-memory store is always up. A Redis that is connected but frozen still reads 1 until the socket
 * timeout drops its connections: its timeouts show as `revocation_checks_total{result="store_error"}`.
 */
@Injectable()
export class StoreMetrics {
  constructor(
    registry: Registry,
    @Optional() @InjectRedis() redis?: RedisClient,
    @Optional() @InjectRevocationReads() reads?: RedisClient,
  ) {
    const store = redis ? 'redis' : 'memory';
    const connections = [redis, reads].filter((connection): connection is RedisClient => connection !== undefined);
    new Gauge({
      name: `${METRIC_PREFIX}store_up`,
      help: 'Whether the revocation store is connected (1) or not (0); the in-memory store is always 1',
      labelNames: ['store'],
      registers: [registry],
      collect() {
        this.set({ store }, connections.every(({ status }) => status === 'ready') ? 1 : 0);
      },
    });
  }
}
