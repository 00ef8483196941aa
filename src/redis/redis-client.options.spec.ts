import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConfig, RedisTopology } from '../config/redis.config.js';
import { redisClientOptions } from './redis-client.options.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function config(overrides: Partial<RedisConfig>): RedisConfig {
  return {
    topology: { kind: 'standalone', url: 'redis://127.0.0.1:6379' },
    username: undefined,
    password: undefined,
    tls: false,
    tlsCa: undefined,
    keyPrefix: 'auth:',
    commandTimeoutMs: 500,
    socketTimeoutMs: 5000,
    allowEviction: false,
    allowVolatile: false,
    waitReplicas: 0,
    waitTimeoutMs: 250,
    mirror: { enabled: true, maxStalenessMs: 100, maxEntries: 100_000 },
    ...overrides,
  };
}

const optionsOf = (redisConfig: RedisConfig) => redisClientOptions(redisConfig).options as RedisOptions;
const sentinel: RedisTopology = { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], masterName: 'mymaster' };
const cluster: RedisTopology = { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }] };

describe('redisClientOptions with REDIS_TLS_CA_FILE', () => {
  it('trusts the CA on a rediss:// URL, and leaves redis:// plain', () => {
    const rediss = config({ topology: { kind: 'standalone', url: 'rediss://127.0.0.1:6380' }, tlsCa: CA });
    expect(optionsOf(rediss).tls).toEqual({ ca: CA });
    expect(optionsOf(config({ tlsCa: CA })).tls).toBeUndefined();
  });

  it('trusts the CA for the Sentinels and their master when REDIS_TLS=true', () => {
    const options = optionsOf(config({ topology: sentinel, tls: true, tlsCa: CA }));
    expect(options).toMatchObject({ enableTLSForSentinelMode: true, tls: { ca: CA }, sentinelTLS: { ca: CA } });
    const plain = optionsOf(config({ topology: sentinel, tlsCa: CA }));
    expect([plain.tls, plain.sentinelTLS, plain.enableTLSForSentinelMode]).toEqual([undefined, undefined, false]);
  });

  it('trusts the CA on every Cluster node when REDIS_TLS=true', () => {
    const options = redisClientOptions(config({ topology: cluster, tls: true, tlsCa: CA })).options as ClusterOptions;
    expect(options.redisOptions?.tls).toEqual({ ca: CA });
  });

  it('keeps the system CAs when no CA file is set', () => {
    expect(optionsOf(config({ topology: sentinel, tls: true }))).toMatchObject({ tls: {}, sentinelTLS: {} });
  });
});

describe('redisClientOptions: bounded failures', () => {
  it('sets the command and socket timeouts on every topology, and no auto-pipelining', () => {
    const bounded = {
      commandTimeout: 500,
      socketTimeout: 5000,
      enableAutoPipelining: false,
      enableOfflineQueue: false,
    };
    expect(optionsOf(config({}))).toMatchObject(bounded);
    expect(optionsOf(config({ topology: sentinel }))).toMatchObject(bounded);
    const clusterOptions = redisClientOptions(config({ topology: cluster })).options as ClusterOptions;
    expect(clusterOptions).toMatchObject({ enableAutoPipelining: false, enableOfflineQueue: false });
    expect(clusterOptions.redisOptions).toMatchObject(bounded);
  });
});
