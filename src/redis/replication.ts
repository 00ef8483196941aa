import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** How many replicas must confirm a revocation before it is acknowledged (`REDIS_WAIT_REPLICAS`), and for how long. */
export interface ReplicaAcknowledgement {
  replicas: number;
  timeoutMs: number;
}

/**
 * Waits until `replicas` replicas hold every write this connection made so far (WAIT), on the master that owns
 * `key`'s slot. Resolves to false when fewer confirmed in time: the write is on the master, but a failover now
 * could lose it.
 */
export async function waitForReplicas(
  client: RedisClient,
  key: string,
  wanted: ReplicaAcknowledgement,
): Promise<boolean> {
  if (wanted.replicas === 0) return true;
  const node = client.isCluster ? masterOwning(client as Cluster, key) : (client as Redis);
  const confirmed = await node.wait(wanted.replicas, wanted.timeoutMs);
  return confirmed >= wanted.replicas;
}

function masterOwning(cluster: Cluster, key: string): Redis {
  const [masterAddress] = cluster.slots[calculateSlot(key)] ?? [];
  const node = cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === masterAddress);
  if (!node) throw new Error(`No known master owns the slot of ${key}`);
  return node;
}
