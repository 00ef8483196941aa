import { Agent, request } from 'node:http';
import { PASSWORD, uniqueEmail } from './auth-client.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/**
 * A JSON client of one API instance (a process on a loopback port) over kept-alive connections, so that two
 * requests meant to race leave within microseconds of when they are sent. Every request has a timeout.
 */
export class ApiClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly port: number) {}

  call<T = unknown>(method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise<Answer<T>>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: 10_000 },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.once('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: (text && String(res.headers['content-type']).includes('json') ? JSON.parse(text) : text) as T,
            }),
          );
        },
      );
      req.once('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.once('error', reject);
      req.end(payload);
    });
  }

  async register(email = uniqueEmail(), password = PASSWORD): Promise<{ id: string; email: string }> {
    return this.expect(
      201,
      await this.call<{ id: string; email: string }>('POST', '/register', { body: { email, password } }),
    );
  }

  async login(email: string, password = PASSWORD): Promise<TokenPair> {
    return this.expect(200, await this.call<TokenPair>('POST', '/login', { body: { email, password } }));
  }

  refresh(refreshToken: string) {
    return this.call<TokenPair>('POST', '/refresh', { body: { refresh_token: refreshToken } });
  }

  async status(method: string, path: string, token: string): Promise<number> {
    return (await this.call(method, path, { token })).status;
  }

  close(): void {
    this.agent.destroy();
  }

  private expect<T>(status: number, answer: Answer<T>): T {
    if (answer.status !== status) {
      throw new Error(
        `expected ${status} from port ${this.port}, got ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }
}
