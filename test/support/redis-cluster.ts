import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, removeDataDir, startRedisServer, stopRedisServer, type RunningRedis } from './redis-server.js';

/**
 * A real Redis Cluster on loopback for the tests: 3 masters and 3 replicas, each a `redis-server` child process of
 * this test run with its own data directory, joined with `redis-cli --cluster create`. Every process is stopped by
 * its pid, and every directory removed, by `stop()`. Needs Redis 7+ (or Valkey) for `--cluster-port`: each node's bus
 * port is a free port of its own, since `port + 10000` of an ephemeral port may not exist (the app's Lua scripts need
 * Redis 7 anyway, for PEXPIRETIME).
 */

export const NO_REDIS_CLI_MESSAGE = [
  'The Redis Cluster tests need `redis-cli` (or `valkey-cli`) on PATH to join the nodes, and none was found.',
  'Install it with the server: `sudo apt-get install redis-tools redis-server` (Debian/Ubuntu), `brew install redis`.',
].join('\n');

export const CLUSTER_SLOTS = 16384;
/** A failover (node timeout 1 s, then the election) takes a few seconds; this bounds every wait for it. */
export const CLUSTER_BOUND_MS = 20_000;
const CREATE_BOUND_MS = 30_000;

export interface ClusterNode {
  port: number;
  /** The cluster bus port (`--cluster-port`): a free port of its own, not `port + 10000` (which may exceed 65535). */
  busPort: number;
  server: RunningRedis;
}

export interface SlotOwner {
  slot: number;
  master: ClusterNode;
  replicas: ClusterNode[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The first cluster client binary on PATH (`redis-cli`, then `valkey-cli`), or a clear error. */
export function findClusterCli(): string {
  const cli = ['redis-cli', 'valkey-cli'].find((name) => spawnSync(name, ['--version']).status === 0);
  if (!cli) throw new Error(NO_REDIS_CLI_MESSAGE);
  return cli;
}

/** Runs one command on one node over a short-lived connection that never retries. */
export async function onNode<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

interface NodesLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: [number, number][];
}

/** Parses CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`. */
function parseClusterNodes(text: string): NodesLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slotFields] = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1]);
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field): [number, number] => {
          const [from, to = from] = field.split('-');
          return [Number(from), Number(to)];
        });
      return { id, port, flags: flags.split(','), masterId, slots };
    });
}

const isFailed = (line: NodesLine) =>
  line.flags.some((flag) => flag === 'fail' || flag === 'fail?' || flag === 'noaddr');

function liveMasterOf(lines: NodesLine[], slot: number): NodesLine | undefined {
  return lines.find(
    (line) =>
      line.flags.includes('master') && !isFailed(line) && line.slots.some(([from, to]) => from <= slot && slot <= to),
  );
}

export class RedisCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly killed = new Set<ClusterNode>();

  private constructor(private readonly binary: string) {}

  /**
   * Starts 6 nodes (AOF fsynced on every write, no RDB snapshots), joins them as 3 masters with one replica each,
   * and resolves once every node says cluster_state:ok with all 16384 slots covered and every replica in sync.
   */
  static async start(binary = process.env.TEST_REDIS_BINARY): Promise<RedisCluster> {
    if (!binary) throw new Error('The Redis Cluster tests need a redis-server binary (TEST_REDIS_BINARY is not set)');
    const cli = findClusterCli();
    const cluster = new RedisCluster(binary);
    try {
      await cluster.startNodes(6);
      await cluster.create(cli, 1);
      await cluster.waitUntilHealthy(6, 3);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Startup nodes as ioredis' `new Cluster(...)` takes them. */
  get startupNodes(): { host: string; port: number }[] {
    return this.alive().map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** The REDIS_CLUSTER_NODES value for an app: every node, `host:port,host:port`. */
  get nodesEnv(): string {
    return this.nodes.map(({ port }) => `127.0.0.1:${port}`).join(',');
  }

  alive(): ClusterNode[] {
    return this.nodes.filter((node) => !this.killed.has(node));
  }

  /** The master serving `key`'s slot (CLUSTER KEYSLOT, then CLUSTER NODES as a live node sees it) and its replicas. */
  async ownerOf(key: string, askPort = this.alive()[0].port): Promise<SlotOwner> {
    const slot = Number(await onNode(askPort, (redis) => redis.cluster('KEYSLOT', key)));
    const lines = await this.clusterNodes(askPort);
    const master = liveMasterOf(lines, slot);
    if (!master) throw new Error(`No live master serves slot ${slot} (of ${key}) as port ${askPort} sees it`);
    const replicas = lines.filter((line) => line.masterId === master.id && !isFailed(line));
    return { slot, master: this.nodeAt(master.port), replicas: replicas.map((line) => this.nodeAt(line.port)) };
  }

  /** SIGKILL (by pid) of a node: no shutdown, no final AOF rewrite. */
  async kill(node: ClusterNode): Promise<void> {
    this.killed.add(node);
    await stopRedisServer(node.server, 'SIGKILL');
  }

  /**
   * Kills the master serving `key`'s slot and waits until one of its replicas was promoted and every live node
   * agrees: that replica serves the slot and cluster_state is ok again. Resolves to the old and the new owner.
   */
  async killMasterAndWaitForPromotion(key: string): Promise<{ killed: ClusterNode; promoted: ClusterNode }> {
    const owner = await this.ownerOf(key);
    if (owner.replicas.length === 0) throw new Error(`The master on port ${owner.master.port} has no live replica`);
    await this.kill(owner.master);
    return { killed: owner.master, promoted: await this.waitForPromotion(owner) };
  }

  /**
   * After `owner.master` was killed: waits until one of `owner.replicas` serves the slot in the view of every live
   * node, and every live node says cluster_state:ok with all slots covered. Resolves to the promoted node.
   */
  async waitForPromotion(owner: SlotOwner): Promise<ClusterNode> {
    const candidates = new Set(owner.replicas.map(({ port }) => port));
    let promoted: ClusterNode | undefined;
    await this.poll(`a replica of port ${owner.master.port} to be promoted`, async () => {
      const views = await Promise.all(this.alive().map((node) => this.slotOwnerPort(owner.slot, node.port)));
      const owners = new Set(views);
      const [ownerPort] = owners;
      if (owners.size !== 1 || ownerPort === undefined || !candidates.has(ownerPort)) return false;
      if ((await this.unhealthyReason(this.alive().length, 0)) !== undefined) return false;
      promoted = this.nodeAt(ownerPort);
      return true;
    });
    if (!promoted) throw new Error('unreachable: the poll resolved without a promoted node');
    return promoted;
  }

  /** Stops every node still running (SIGKILL by pid) and removes every data directory. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => stopRedisServer(node.server, 'SIGKILL')));
    for (const node of this.nodes) removeDataDir(node.server);
  }

  private async clusterNodes(askPort: number): Promise<NodesLine[]> {
    return parseClusterNodes(String(await onNode(askPort, (redis) => redis.cluster('NODES'))));
  }

  /** The port of the live master serving `slot` as the node on `askPort` sees it, if any. */
  private async slotOwnerPort(slot: number, askPort: number): Promise<number | undefined> {
    return liveMasterOf(await this.clusterNodes(askPort), slot)?.port;
  }

  private nodeAt(port: number): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`Port ${port} is not a node of this cluster`);
    return node;
  }

  private async startNodes(count: number): Promise<void> {
    const ports = new Set<number>();
    while (ports.size < count * 2) ports.add(await freePort());
    const [dataPorts, busPorts] = [[...ports].slice(0, count), [...ports].slice(count)];
    await Promise.all(
      dataPorts.map(async (port, index) => {
        const busPort = busPorts[index];
        const server = await startRedisServer(
          this.binary,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '1000',
            '--cluster-port',
            String(busPort),
            '--appendonly',
            'yes',
            '--appendfsync',
            'always',
          ],
          port,
        );
        this.nodes.push({ port, busPort, server });
      }),
    );
    this.nodes.sort((a, b) => dataPorts.indexOf(a.port) - dataPorts.indexOf(b.port));
  }

  private create(cli: string, replicas: number): Promise<void> {
    const args = [
      '--cluster',
      'create',
      ...this.nodes.map(({ port }) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), CREATE_BOUND_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`${cli} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output}`));
      });
    });
  }

  private waitUntilHealthy(knownNodes: number, syncedReplicas: number): Promise<void> {
    return this.poll('the cluster to be ok on every node', async () => {
      return (await this.unhealthyReason(knownNodes, syncedReplicas)) === undefined;
    });
  }

  /** Why the live nodes are not (yet) a healthy cluster, or undefined when they are. */
  private async unhealthyReason(knownNodes: number, syncedReplicas: number): Promise<string | undefined> {
    let synced = 0;
    for (const node of this.alive()) {
      const [clusterInfo, replication] = await onNode(node.port, async (redis) => [
        String(await redis.cluster('INFO')),
        await redis.info('replication'),
      ]);
      if (infoField(clusterInfo, 'cluster_state') !== 'ok') return `port ${node.port}: cluster_state not ok`;
      for (const field of ['cluster_slots_assigned', 'cluster_slots_ok']) {
        if (Number(infoField(clusterInfo, field)) !== CLUSTER_SLOTS) return `port ${node.port}: ${field} incomplete`;
      }
      if (Number(infoField(clusterInfo, 'cluster_known_nodes')) < knownNodes) {
        return `port ${node.port}: knows fewer than ${knownNodes} nodes`;
      }
      if (infoField(replication, 'role') === 'slave') {
        if (infoField(replication, 'master_link_status') !== 'up') return `port ${node.port}: replica link down`;
        if (infoField(replication, 'master_sync_in_progress') !== '0') return `port ${node.port}: replica syncing`;
        synced += 1;
      }
    }
    return synced >= syncedReplicas ? undefined : `only ${synced} of ${syncedReplicas} replicas in sync`;
  }

  /** Polls every 100 ms until `probe` is true; a probe that throws (a node not answering yet) counts as false. */
  private async poll(what: string, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + CLUSTER_BOUND_MS;
    let last: unknown;
    for (;;) {
      try {
        if (await probe()) return;
      } catch (error) {
        last = error;
      }
      if (Date.now() >= deadline) {
        const reason = await this.unhealthyReason(0, 0).catch((error: unknown) => String(error));
        throw new Error(
          `Timed out after ${CLUSTER_BOUND_MS} ms waiting for ${what} (${reason ?? 'healthy'}; last error: ${String(last)})`,
        );
      }
      await sleep(100);
    }
  }
}

/** Starts a 3-master, 3-replica cluster (see `RedisCluster.start`). */
export function startRedisCluster(binary?: string): Promise<RedisCluster> {
  return RedisCluster.start(binary);
}

/** Stops every node of the cluster by pid and removes their data directories. */
export async function stopRedisCluster(cluster: RedisCluster | undefined): Promise<void> {
  await cluster?.stop();
}
