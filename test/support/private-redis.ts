import { redisBinary, removeDataDir, type RunningRedis, startRedisServer, stopRedisServer } from './redis-server.js';

/** A redis-server of one suite's own, driven by signals to its pid and restarted in place (same port, same data). */
export class PrivateRedis {
  private running: RunningRedis | undefined;
  private frozen = false;

  constructor(
    private readonly args: string[] = [],
    private readonly binary = redisBinary(),
  ) {}

  get server(): RunningRedis {
    if (!this.running) throw new Error('The private Redis is not started yet');
    return this.running;
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  get dir(): string {
    return this.server.dir;
  }

  /** On a free loopback port unless `port` is given (a server that comes up where an app already looks). */
  async start(port?: number): Promise<void> {
    this.running = await startRedisServer(this.binary, this.args, port);
  }

  /** SIGSTOP: the process stops answering, its connections stay open. */
  freeze(): void {
    this.frozen = this.server.process.kill('SIGSTOP');
  }

  thaw(): void {
    if (this.frozen) this.server.process.kill('SIGCONT');
    this.frozen = false;
  }

  /** SIGKILL: no graceful shutdown, no final AOF rewrite or save. */
  crash(): Promise<void> {
    return this.stop('SIGKILL');
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return stopRedisServer(this.server, signal);
  }

  /** A new process on the same port and data directory (so it replays what was persisted), with `args` if given. */
  async restart(args = this.args): Promise<void> {
    const { port, dir } = this.server;
    await this.stop('SIGKILL');
    this.running = await startRedisServer(this.binary, args, port, dir);
  }

  /** Gone for good, data directory included; safe before start and twice. */
  async dispose(): Promise<void> {
    if (!this.running) return;
    this.thaw();
    await stopRedisServer(this.running, 'SIGKILL');
    removeDataDir(this.running);
    this.running = undefined;
  }
}

/** One private Redis per describe: started in its beforeAll, disposed of in its afterAll. */
export function usePrivateRedis(args: string[] = [], binary = redisBinary()): PrivateRedis {
  const redis = new PrivateRedis(args, binary);
  beforeAll(() => redis.start());
  afterAll(() => redis.dispose());
  return redis;
}
