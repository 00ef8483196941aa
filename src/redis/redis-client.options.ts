import type { RedisModuleOptions } from '@nestjs-modules/ioredis';
import type { RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/redis.config.js';

const MAX_RECONNECT_DELAY_MS = 2000;

const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);

/**
 * Fail fast, never queue: with the offline queue off and a bounded command timeout, a Redis outage turns into
 * a 503 within the command timeout instead of requests piling up. No auto-pipelining: it sends one batch at a time,
 * so a command queued behind a batch that is timing out would wait for it first (up to twice the timeout); each
 * command is written at once and its timer starts then. A connection awaiting a reply that receives nothing for the
 * socket timeout is taken for dead (a peer gone without closing: commandTimeout alone fails the commands but keeps
 * the socket) and reopened. The same behaviour on every topology; only where the servers are differs.
 */
export function redisClientOptions(config: RedisConfig): RedisModuleOptions {
  const topology = config.topology;
  if (!topology) throw new Error('redisClientOptions needs a configured Redis topology');
  // A private CA (REDIS_TLS_CA_FILE) is trusted wherever TLS is on; it never turns TLS on by itself.
  const tlsOn = config.tls || (topology.kind === 'standalone' && topology.url.startsWith('rediss://'));
  const tls = config.tlsCa === undefined ? {} : { ca: config.tlsCa };
  const connection: RedisOptions = {
    // Only what is set: for a URL, credentials and TLS written in it (rediss://user:pass@host) then still apply.
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(tlsOn && { tls }),
    enableAutoPipelining: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.commandTimeoutMs,
    socketTimeout: config.socketTimeoutMs,
    connectTimeout: Math.max(1000, config.commandTimeoutMs * 2),
    retryStrategy: reconnectDelay,
  };
  switch (topology.kind) {
    case 'standalone':
      return { type: 'single', url: topology.url, options: connection };
    case 'sentinel':
      return {
        type: 'single',
        options: {
          ...connection,
          sentinels: topology.sentinels,
          name: topology.masterName,
          sentinelPassword: topology.sentinelPassword,
          // REDIS_TLS=true: TLS (with the same CA) to the master (`tls`) and to the Sentinels themselves.
          enableTLSForSentinelMode: config.tls,
          ...(config.tls && { sentinelTLS: tls }),
          sentinelRetryStrategy: reconnectDelay,
          // Follow +switch-master at once: after a planned switchover the old master stays writable for seconds,
          // and writes acknowledged there would be lost when it rejoins as a replica.
          failoverDetector: true,
          // After a failover, re-resolve the master instead of writing to a demoted replica.
          reconnectOnError: (error) => error.message.startsWith('READONLY'),
        },
      };
    case 'cluster':
      return {
        type: 'cluster',
        nodes: topology.nodes,
        options: {
          enableAutoPipelining: false,
          enableOfflineQueue: false,
          clusterRetryStrategy: reconnectDelay,
          // While slots move (failover), retry briefly, then fail: a request gets 503 within about a second.
          maxRedirections: 3,
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          // A failover moves slots: refresh the slot map instead of failing on MOVED for long.
          slotsRefreshTimeout: Math.max(1000, config.commandTimeoutMs * 2),
          redisOptions: connection,
        },
      };
  }
}
