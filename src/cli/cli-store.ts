import { Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRedis } from '@nestjs-modules/ioredis';
import type { AllConfig } from '../config/config.types.js';
import type { RedisClient } from '../redis/redis-client.js';
import { CliError } from './cli-command.js';

const IN_MEMORY =
  'no Redis is configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): the in-memory store lives inside each API process';

/** The store the CLI reaches: the shared Redis, or nothing it could change (the in-memory store is per process). */
@Injectable()
export class CliStore {
  constructor(
    private readonly config: ConfigService<AllConfig, true>,
    @Optional() @InjectRedis() readonly redis?: RedisClient,
  ) {}

  /** `redis (standalone)`, `redis (sentinel)`, `redis (cluster)` or `memory`. */
  describe(): string {
    const topology = this.config.get('redis.topology', { infer: true });
    return this.redis && topology ? `redis (${topology.kind})` : 'memory';
  }

  get keyPrefix(): string {
    return this.config.get('redis.keyPrefix', { infer: true });
  }

  /** Refuses a change that would land in this process's own in-memory store and vanish when it exits. */
  requirePersistent(): RedisClient {
    if (!this.redis) throw new CliError(`${IN_MEMORY}, so this separate process cannot change it`);
    return this.connected(this.redis);
  }

  /** The connection, once ready: the app waited for it at boot, and the CLI has no requests to answer 503 to. */
  connected(redis: RedisClient): RedisClient {
    if (redis.status !== 'ready') throw new CliError(`Redis is not reachable (connection ${redis.status})`);
    return redis;
  }

  static readonly IN_MEMORY = IN_MEMORY;
}
