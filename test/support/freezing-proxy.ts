import { connect, createServer, type Server, type Socket } from 'node:net';

/** One client connection and, unless it was accepted while frozen, its connection to the target. */
interface Link {
  client: Socket;
  upstream?: Socket;
  frozen: boolean;
}

/**
 * A TCP proxy on a free loopback port in front of a real server, that can play a peer gone silent without closing (a
 * half-open connection: a dead host, a NAT or firewall that dropped the flow). `freeze()` stops forwarding in both
 * directions on every open connection and keeps the sockets open; connections made meanwhile are accepted and get
 * nothing. `heal()` forwards new connections again; the frozen ones stay frozen: only a client that drops them and
 * reconnects gets through. Nothing a frozen connection's client does (writing, closing) reaches the server.
 */
export class FreezingProxy {
  private readonly links = new Set<Link>();
  private readonly server: Server;
  private frozen = false;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<FreezingProxy> {
    const proxy = new FreezingProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  freeze(): void {
    this.frozen = true;
    for (const link of this.links) this.freezeLink(link);
  }

  heal(): void {
    this.frozen = false;
  }

  /** Open connections, and how many of them are frozen. */
  counts(): { open: number; frozen: number } {
    let frozen = 0;
    for (const link of this.links) if (link.frozen) frozen += 1;
    return { open: this.links.size, frozen };
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    const link: Link = { client, frozen: false };
    this.links.add(link);
    if (this.frozen) return this.freezeLink(link);
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => undefined);
    link.upstream = upstream;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    // While it forwards, a close on either side closes the other; a frozen link passes nothing on, closes included.
    const closeBoth = () => {
      if (link.frozen) return;
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }

  /** Reads nothing more on either side (what was sent stays in the kernel's buffers), and keeps both sockets open. */
  private freezeLink(link: Link): void {
    link.frozen = true;
    link.client.pause();
    link.upstream?.pause();
  }
}
