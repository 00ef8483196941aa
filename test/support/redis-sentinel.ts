import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, stopRedisServer, type RunningRedis } from './redis-server.js';

/**
 * A Sentinel-managed deployment on loopback ports, as in production but throwaway: one master, one replica (both
 * with AOF fsynced on every write) and three Sentinels (quorum 2), each in a temporary directory of its own.
 * Every process is started here and stopped here, by the pid it was started with.
 */

/** AOF on, fsynced on every write: what the master or replica acknowledged survives a SIGKILL. */
export const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];
export const LOOPBACK = '127.0.0.1';
/** Until the Sentinels agree on the topology after a start (hello messages go out every 2 s). */
export const SETTLE_BOUND_MS = 20_000;
/** Until every Sentinel names a new master after a kill: down-after 1 s, election, promotion, announcement. */
export const FAILOVER_BOUND_MS = 25_000;
const POLL_MS = 100;
/** A test that fails over: room for a bound stretched by one stall of the machine (see STALL_MS). */
export const FAILOVER_TEST_TIMEOUT_MS = 120_000;
/**
 * A gap this long between two polls means the machine stalled (a loaded CI host): Sentinel's own timer stalled too,
 * which puts it in TILT mode, where it acts on nothing for SENTINEL_TILT_PERIOD_MS. The bound is stretched by both.
 */
const STALL_MS = 2_000;
const SENTINEL_TILT_PERIOD_MS = 30_000;

export interface HostPort {
  host: string;
  port: number;
}

export interface RunningSentinel {
  port: number;
  process: ChildProcess;
  dir: string;
  configFile: string;
}

export interface SentinelOptions {
  /** The monitored master's name (REDIS_SENTINEL_NAME); Sentinel's own default is mymaster. */
  name?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One short-lived connection (no retries, no offline queue) to a loopback port; always disconnected afterwards. */
export async function withConnection<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: LOOPBACK,
    port,
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** A RESP2 field/value list (`SENTINEL MASTER`, `SENTINEL REPLICAS` entries) as an object. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const list = reply as string[];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]] = String(list[i + 1]);
  return fields;
}

/** The `key:value` lines of an INFO section. */
export function infoFields(info: string): Record<string, string> {
  return Object.fromEntries(
    info
      .split('\r\n')
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/**
 * Polls `probe` until it returns a value other than undefined; throws with `describe()` once `boundMs` of running
 * time passed (a stall of the machine adds itself and Sentinel's TILT period to the bound).
 */
async function until<T>(probe: () => Promise<T | undefined>, boundMs: number, describe: () => string): Promise<T> {
  let deadline = Date.now() + boundMs;
  let lastPoll = Date.now();
  let stalls = '';
  let lastError: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : JSON.stringify(error);
    }
    const now = Date.now();
    if (now - lastPoll > STALL_MS + POLL_MS) {
      deadline += now - lastPoll + SENTINEL_TILT_PERIOD_MS;
      stalls += ` (the machine stalled for ${now - lastPoll} ms: bound stretched)`;
    }
    lastPoll = now;
    if (now >= deadline) {
      throw new Error(`${describe()}${stalls}${lastError === undefined ? '' : ` (last error: ${lastError})`}`);
    }
    await sleep(POLL_MS);
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends a signal to a child by the pid it was started with, if it is still running. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid !== undefined && isRunning(child)) process.kill(child.pid, name);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signal(child, 'SIGCONT'); // a frozen process dies of SIGKILL too; SIGCONT only makes the exit prompt everywhere
  signal(child, 'SIGKILL');
  await exited;
}

export class RedisSentinelSet {
  /** The data node Sentinel currently names as master (the promoted replica after `failover()`). */
  master: RunningRedis;
  /** The data node replicating the master, if one is running. */
  replica: RunningRedis | undefined;
  /** A data node taken down by `failover()`, until `reviveAsReplica()` brings it back. */
  down: RunningRedis | undefined;
  readonly sentinels: RunningSentinel[] = [];
  private readonly nodes: RunningRedis[] = [];
  private readonly dirs: string[] = [];
  private readonly frozen = new Set<ChildProcess>();

  private constructor(
    readonly binary: string,
    readonly name: string,
  ) {}

  /** Starts master, replica and three Sentinels, and waits until all of them agree on the topology. */
  static async start(binary: string, options: SentinelOptions = {}): Promise<RedisSentinelSet> {
    const set = new RedisSentinelSet(binary, options.name ?? 'mymaster');
    try {
      set.master = await set.startNode(DURABLE);
      set.replica = await set.startNode([...DURABLE, '--replicaof', LOOPBACK, String(set.master.port)]);
      await set.waitForReplicaLink(set.replica, set.master);
      for (let i = 0; i < 3; i++) await set.startSentinel();
      await set.waitUntilSettled();
      return set;
    } catch (error) {
      await set.stop();
      throw error;
    }
  }

  /** `REDIS_SENTINELS`: every Sentinel as host:port, comma-separated. */
  get sentinelList(): string {
    return this.sentinels.map((sentinel) => `${LOOPBACK}:${sentinel.port}`).join(',');
  }

  /** What each Sentinel answers to `SENTINEL GET-MASTER-ADDR-BY-NAME` (undefined for one that does not answer). */
  async reportedMasters(): Promise<(HostPort | undefined)[]> {
    return Promise.all(
      this.sentinels.map(async (sentinel) => {
        try {
          const address = (await withConnection(sentinel.port, (client) =>
            client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name),
          )) as [string, string] | null;
          return address ? { host: address[0], port: Number(address[1]) } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
  }

  /**
   * Kills the master (SIGKILL by default: no shutdown, no last write) and waits, bounded, until every Sentinel
   * names another master. Returns that master's address; `master` is then the promoted node, `down` the old one.
   */
  async failover(killSignal: NodeJS.Signals = 'SIGKILL'): Promise<HostPort> {
    const old = this.master;
    await stopRedisServer(old, killSignal);
    if (isRunning(old.process)) await killAndWait(old.process);
    const promoted = await until(
      async () => {
        const reported = await this.reportedMasters();
        const first = reported[0];
        if (!first || first.port === old.port) return undefined;
        return reported.every((address) => address?.port === first.port) ? first : undefined;
      },
      FAILOVER_BOUND_MS,
      () => `the Sentinels did not agree on a new master within ${FAILOVER_BOUND_MS} ms\n${this.logTails()}`,
    );
    const node = this.nodes.find((candidate) => candidate.port === promoted.port && isRunning(candidate.process));
    if (!node) throw new Error(`Sentinel promoted ${promoted.host}:${promoted.port}, which this set did not start`);
    this.down = old;
    this.master = node;
    this.replica = undefined;
    return promoted;
  }

  /**
   * A planned switchover: `SENTINEL FAILOVER <name>` promotes the replica while the old master keeps running (as a
   * master, until Sentinel converts it to a replica of the new one, seconds later). Waits, bounded, until every
   * Sentinel names the replica; `master` is then the promoted node and `replica` the old master.
   */
  async switchover(): Promise<HostPort> {
    const old = this.master;
    const candidate = this.replica;
    if (!candidate) throw new Error('a switchover needs a running replica');
    await withConnection(this.sentinels[0].port, (client) => client.call('SENTINEL', 'FAILOVER', this.name));
    const promoted = await until(
      async () => {
        const reported = await this.reportedMasters();
        return reported.every((address) => address?.port === candidate.port) ? reported[0] : undefined;
      },
      FAILOVER_BOUND_MS,
      () =>
        `the Sentinels did not all name ${candidate.port} as master within ${FAILOVER_BOUND_MS} ms\n${this.logTails()}`,
    );
    this.master = candidate;
    this.replica = old;
    return promoted;
  }

  /** The role (`master` or `slave`) the data node on `port` reports itself. */
  async roleOf(node: RunningRedis): Promise<string> {
    return infoFields(await withConnection(node.port, (client) => client.info('replication'))).role;
  }

  /**
   * Starts the node `failover()` took down again, on its port and data directory, as a replica of the current
   * master (as Sentinel would reconfigure it), and waits until its link is up and every Sentinel lists it.
   */
  async reviveAsReplica(): Promise<RunningRedis> {
    const old = this.down;
    if (!old) throw new Error('no node is down');
    const args = [...DURABLE, '--replicaof', LOOPBACK, String(this.master.port)];
    const revived = await startRedisServer(this.binary, args, old.port, old.dir);
    this.nodes.push(revived);
    this.down = undefined;
    this.replica = revived;
    await this.waitForReplicaLink(revived, this.master);
    await this.waitUntilSettled();
    return revived;
  }

  /** SIGSTOP: the process stops answering (no replication acks either); its connections stay open. */
  freeze(node: RunningRedis): void {
    signal(node.process, 'SIGSTOP');
    this.frozen.add(node.process);
  }

  /** SIGCONT for a node `freeze()` stopped. */
  thaw(node: RunningRedis): void {
    if (this.frozen.delete(node.process)) signal(node.process, 'SIGCONT');
  }

  /** Bounded wait until the replica reports its link to `master` up and the master lists it online. */
  async waitForReplicaLink(
    replica: RunningRedis,
    master: RunningRedis = this.master,
    boundMs = SETTLE_BOUND_MS,
  ): Promise<void> {
    await until(
      async () => {
        const seen = infoFields(await withConnection(replica.port, (client) => client.info('replication')));
        if (seen.role !== 'slave' || Number(seen.master_port) !== master.port) return undefined;
        if (seen.master_link_status !== 'up') return undefined;
        const primary = infoFields(await withConnection(master.port, (client) => client.info('replication')));
        const link = Object.entries(primary).find(
          ([key, value]) => /^slave\d+$/.test(key) && value.includes(`port=${replica.port},`),
        )?.[1];
        return link?.includes('state=online') ? true : undefined;
      },
      boundMs,
      () => `the replica on port ${replica.port} did not link up with the master on port ${master.port}`,
    );
  }

  /**
   * Bounded wait until every Sentinel names the current master, counts one replica (with its link ok and no
   * down flag, when a replica runs) and the two other Sentinels.
   */
  async waitUntilSettled(): Promise<void> {
    await until(
      async () => {
        for (const sentinel of this.sentinels) {
          const agrees = await withConnection(sentinel.port, async (client) => {
            const master = fieldsOf(await client.call('SENTINEL', 'MASTER', this.name));
            if (Number(master.port) !== this.master.port || master.flags !== 'master') return false;
            if (Number(master['num-other-sentinels']) !== 2) return false;
            const replicas = ((await client.call('SENTINEL', 'REPLICAS', this.name)) as unknown[]).map(fieldsOf);
            const linked = replicas.filter((entry) => entry.flags === 'slave' && entry['master-link-status'] === 'ok');
            return this.replica
              ? Number(master['num-slaves']) >= 1 && linked.some((entry) => Number(entry.port) === this.replica?.port)
              : true;
          });
          if (!agrees) return undefined;
        }
        return true;
      },
      SETTLE_BOUND_MS,
      () =>
        `the Sentinels did not settle on master ${this.master.port} with replica ${this.replica?.port ?? 'none'} ` +
        `and 3 Sentinels within ${SETTLE_BOUND_MS} ms\n${this.logTails()}`,
    );
  }

  /** Stops every process this set started (SIGKILL, by pid) and removes every directory it made. */
  async stop(): Promise<void> {
    const processes = [
      ...this.sentinels.map((sentinel) => sentinel.process),
      ...this.nodes.map((node) => node.process),
    ];
    await Promise.all(processes.map((child) => killAndWait(child)));
    this.frozen.clear();
    const dirs = new Set([...this.dirs, ...this.nodes.map((node) => node.dir)]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  private async startNode(args: string[]): Promise<RunningRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-sentinel-node-'));
    this.dirs.push(dir);
    const node = await startRedisServer(this.binary, args, undefined, dir);
    this.nodes.push(node);
    return node;
  }

  private async startSentinel(): Promise<RunningSentinel> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'revocable-jwt-sentinel-'));
    this.dirs.push(dir);
    // Sentinel rewrites its configuration file (known peers, epochs), so it lives in a writable directory.
    const configFile = join(dir, 'sentinel.conf');
    writeFileSync(
      configFile,
      [
        `port ${port}`,
        `bind ${LOOPBACK}`,
        'daemonize no',
        `dir ${dir}`,
        `logfile ${join(dir, 'sentinel.log')}`,
        `sentinel monitor ${this.name} ${LOOPBACK} ${this.master.port} 2`,
        `sentinel down-after-milliseconds ${this.name} 1000`,
        `sentinel failover-timeout ${this.name} 5000`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn(this.binary, [configFile, '--sentinel'], { stdio: 'ignore' });
    const sentinel = { port, process: child, dir, configFile };
    this.sentinels.push(sentinel); // tracked at once, so stop() kills it even if it never answers
    await until(
      async () => ((await withConnection(port, (client) => client.ping())) === 'PONG' ? true : undefined),
      SETTLE_BOUND_MS,
      () => `the Sentinel on port ${port} did not answer PING\n${this.logTails()}`,
    );
    return sentinel;
  }

  /** The last lines of each Sentinel's log, for a failure message. */
  private logTails(): string {
    return this.sentinels
      .map((sentinel) => {
        const log = join(sentinel.dir, 'sentinel.log');
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
        return `--- Sentinel ${sentinel.port}:\n${tail}`;
      })
      .join('\n');
  }
}

/** Starts one master, one replica and three Sentinels (see `RedisSentinelSet.start`). */
export function startRedisSentinel(binary: string, options: SentinelOptions = {}): Promise<RedisSentinelSet> {
  return RedisSentinelSet.start(binary, options);
}

/** Stops every process of the set by pid and removes its directories. */
export function stopRedisSentinel(set: RedisSentinelSet | undefined): Promise<void> {
  return set ? set.stop() : Promise.resolve();
}

/** Whether the data node on `port` holds `key` (read directly, not through the app). */
export async function holds(port: number, key: string): Promise<boolean> {
  return (await withConnection(port, (client) => client.exists(key))) === 1;
}

/**
 * The env of an in-process app on `set`. REDIS_URL is emptied (the global setup set it), which the app's
 * configuration treats as unset, so REDIS_SENTINELS is the only topology.
 */
export function sentinelEnv(set: RedisSentinelSet, extra: Record<string, string> = {}): Record<string, string> {
  return { REDIS_URL: '', REDIS_SENTINELS: set.sentinelList, REDIS_SENTINEL_NAME: set.name, ...extra };
}
