import { Inject } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/**
 * The connection the guard's revocation checks read on, apart from the shared one that writes. Redis answers each
 * connection's commands in order, so a write the server holds back (`CLIENT PAUSE … WRITE`, which `FAILOVER` and a
 * Cluster's manual failover use) would hold every read sent after it on the same connection. This one only reads
 * (the guard's MGET, the revocation mirror's tracking): no write ever queues ahead of it. A duplicate of the shared
 * connection, so the same servers, credentials, TLS, timeouts and failover handling; no Redis configured: none.
 */
export const RevocationReads = Symbol('RevocationReads');
export const InjectRevocationReads = () => Inject(RevocationReads);

const CONNECTION_NAME = 'revocation-reads';

export function revocationReadConnection(shared: RedisClient): RedisClient {
  if (!shared.isCluster) return (shared as Redis).duplicate({ connectionName: CONNECTION_NAME });
  const cluster = shared as Cluster;
  return cluster.duplicate(undefined, {
    redisOptions: { ...cluster.options.redisOptions, connectionName: CONNECTION_NAME },
  });
}
