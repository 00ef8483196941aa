import { Cluster, Redis } from 'ioredis';
import { revocationReadConnection } from './revocation-reads.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const shared = {
  username: 'jwt-api',
  password: 'secret',
  tls: { ca: CA },
  commandTimeout: 500,
  socketTimeout: 5000,
  enableAutoPipelining: false,
  enableOfflineQueue: false,
  lazyConnect: true,
};

// Never connected (lazyConnect): only the options each connection would open with are compared.
describe('revocationReadConnection', () => {
  it('opens a connection of its own with the shared one’s credentials, TLS and timeouts, named for CLIENT LIST', () => {
    const redis = new Redis({ ...shared, host: 'redis.internal', port: 6380 });
    const reads = revocationReadConnection(redis) as Redis;
    expect(reads).not.toBe(redis);
    expect(reads.options).toMatchObject({ ...shared, host: 'redis.internal', port: 6380 });
    expect(reads.options.connectionName).toBe('revocation-reads');
  });

  it('follows the same Sentinels and master group', () => {
    const sentinels = [{ host: 's1', port: 26379 }];
    const redis = new Redis({ ...shared, sentinels, name: 'auth', failoverDetector: true });
    const reads = revocationReadConnection(redis) as Redis;
    expect(reads.options).toMatchObject({ sentinels, name: 'auth', failoverDetector: true });
  });

  it('on a Cluster, a Cluster client of its own on the same nodes, with the same node options', () => {
    const nodes = [{ host: 'n1', port: 7000 }];
    const cluster = new Cluster(nodes, { lazyConnect: true, enableAutoPipelining: false, redisOptions: shared });
    const reads = revocationReadConnection(cluster) as Cluster;
    expect(reads).not.toBe(cluster);
    expect(reads.isCluster).toBe(true);
    expect(reads.options).toMatchObject({ enableAutoPipelining: false, redisOptions: shared });
    expect(reads.options.redisOptions?.connectionName).toBe('revocation-reads');
  });
});
