import type { Cluster, Redis } from 'ioredis';

/** The connection the stores use: one server (standalone or Sentinel-managed) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The servers that hold data: the one connection, or every master of a Cluster. */
export function dataNodes(client: RedisClient): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
}
