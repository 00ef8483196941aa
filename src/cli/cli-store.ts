import { Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRedis } from '@nestjs-modules/ioredis';
import type { AllConfig } from '../config/config.types.js';
import { InjectDatabase, type Database } from '../database/database.js';
import type { RedisClient } from '../redis/redis-client.js';
import { CliError } from './cli-command.js';

const IN_MEMORY =
  'no Redis is configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): the in-memory store lives inside each API process';
const EMBEDDED =
  'DATABASE_URL is not set: the embedded database (DATABASE_DIR) belongs to the API process, and this CLI is a separate one';

/**
 * What the CLI reaches: the shared Redis and the PostgreSQL database, or nothing it could change (the in-memory
 * store and the embedded database live inside the API process).
 */
@Injectable()
export class CliStore {
  constructor(
    private readonly config: ConfigService<AllConfig, true>,
    @InjectDatabase() private readonly db: Database,
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

  /** The PostgreSQL database; undefined on the embedded one, which this process must not open. */
  get database(): Database | undefined {
    return this.config.get('database.location', { infer: true }).kind === 'postgres' ? this.db : undefined;
  }

  /** The database, or a refusal that says why the CLI cannot reach it. */
  requireDatabase(): Database {
    const database = this.database;
    if (!database) throw new CliError(EMBEDDED);
    return database;
  }

  /** Refuses an account change unless both its halves (the account, its sessions) outlive this process. */
  requirePersistent(): void {
    if (!this.redis) throw new CliError(`${IN_MEMORY}, so this separate process cannot change it`);
    this.connected(this.redis);
    this.requireDatabase();
  }

  /** The connection, once ready: the app waited for it at boot, and the CLI has no requests to answer 503 to. */
  connected(redis: RedisClient): RedisClient {
    if (redis.status !== 'ready') throw new CliError(`Redis is not reachable (connection ${redis.status})`);
    return redis;
  }

  static readonly IN_MEMORY = IN_MEMORY;
  static readonly EMBEDDED = EMBEDDED;
}
