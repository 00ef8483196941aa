import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** How many replicas must confirm a revocation before it is acknowledged (`REDIS_WAIT_REPLICAS`), and for how long. */
export interface ReplicaAcknowledgement {
  replicas: number;
  timeoutMs: number;
}

/**
 * Where revocations are written. WAIT covers the writes made on its own connection and blocks that connection
 * until the replicas confirm, so with REDIS_WAIT_REPLICAS the writes go through a dedicated connection (its command
 * timeout stretched by the WAIT timeout): the commands on the shared connection never queue behind a WAIT.
 */
export class ReplicatedWriter {
  readonly client: RedisClient;

  constructor(
    private readonly shared: RedisClient,
    private readonly wanted: ReplicaAcknowledgement,
  ) {
    this.client = wanted.replicas > 0 ? dedicatedConnection(shared, wanted.timeoutMs) : shared;
  }

  /**
   * Resolves to false when fewer replicas than wanted hold the writes made so far on `client` (checked on the
   * master owning `key`'s slot): the write is on the master, but a failover now could lose it.
   */
  async replicated(key: string): Promise<boolean> {
    if (this.wanted.replicas === 0) return true;
    const node = this.client.isCluster ? masterOwning(this.client as Cluster, key) : (this.client as Redis);
    return (await node.wait(this.wanted.replicas, this.wanted.timeoutMs)) >= this.wanted.replicas;
  }

  async close(): Promise<void> {
    if (this.client === this.shared) return;
    await this.client.quit().catch(() => undefined);
    // QUIT closes the data connection only; disconnect() also ends a Sentinel client's failover-detector connections.
    this.client.disconnect();
  }
}

function dedicatedConnection(shared: RedisClient, waitTimeoutMs: number): RedisClient {
  // A WAIT is silent until the replicas answer: the socket timeout is stretched too, or it would drop the connection.
  const options = shared.isCluster ? (shared as Cluster).options.redisOptions : (shared as Redis).options;
  const timeouts = {
    commandTimeout: (options?.commandTimeout ?? 0) + waitTimeoutMs,
    ...(options?.socketTimeout !== undefined && { socketTimeout: options.socketTimeout + waitTimeoutMs }),
  };
  const duplicate = shared.isCluster
    ? (shared as Cluster).duplicate(undefined, {
        redisOptions: { ...(shared as Cluster).options.redisOptions, ...timeouts },
      })
    : (shared as Redis).duplicate(timeouts);
  // Outages are reported once, by the shared connection's listener.
  duplicate.on('error', () => undefined);
  return duplicate;
}

function masterOwning(cluster: Cluster, key: string): Redis {
  const [masterAddress] = cluster.slots[calculateSlot(key)] ?? [];
  const node = cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === masterAddress);
  if (!node) throw new Error(`No known master owns the slot of ${key}`);
  return node;
}
