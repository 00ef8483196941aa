import type { EnvironmentVariables } from './env.validation.js';
import { caBundleSetting } from './pem-file.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Where the store lives: one server (URL), a Sentinel-managed master/replica set, or a Cluster. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; masterName: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[] };

export function redisConfig(env: EnvironmentVariables, problems: string[]) {
  return {
    // None: the in-memory store.
    topology: topologyOf(env),
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    tls: env.REDIS_TLS === 'true',
    // PEM CA bundle trusted wherever TLS is on (rediss:// or REDIS_TLS=true).
    tlsCa: caBundleSetting(problems, 'REDIS_TLS_CA_FILE', env.REDIS_TLS_CA_FILE),
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    // A connection awaiting a reply that receives nothing for this long is dropped and reopened (half-open socket).
    socketTimeoutMs: env.REDIS_SOCKET_TIMEOUT_MS,
    allowEviction: env.ALLOW_EVICTING_REDIS === 'true',
    allowVolatile: env.ALLOW_VOLATILE_REDIS === 'true',
    waitReplicas: env.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
    // Server-assisted client-side caching of revocation keys (standalone and Sentinel; a Cluster always asks).
    mirror: {
      enabled: env.REVOCATION_MIRROR === 'on',
      maxStalenessMs: env.REVOCATION_MIRROR_MAX_STALENESS_MS,
      maxEntries: env.REVOCATION_MIRROR_MAX_ENTRIES,
    },
  };
}

export type RedisConfig = ReturnType<typeof redisConfig>;

function topologyOf(env: EnvironmentVariables): RedisTopology | undefined {
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: hostPorts(env.REDIS_CLUSTER_NODES) };
  if (env.REDIS_SENTINELS) {
    return {
      kind: 'sentinel',
      sentinels: hostPorts(env.REDIS_SENTINELS),
      masterName: env.REDIS_SENTINEL_NAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    };
  }
  return env.REDIS_URL ? { kind: 'standalone', url: env.REDIS_URL } : undefined;
}

function hostPorts(list: string): HostPort[] {
  return list.split(',').map((entry) => {
    const separator = entry.lastIndexOf(':');
    return { host: entry.slice(0, separator), port: Number(entry.slice(separator + 1)) };
  });
}
