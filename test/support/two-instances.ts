import { ApiClient } from './api-client.js';
import { AppProcesses } from './app-process.js';
import { adminAccessToken } from './cli-process.js';

/** Two API processes of one deployment (the same env), each behind a client, and an admin's access token. */
export class TwoInstances {
  readonly apps = new AppProcesses();
  a!: ApiClient;
  b!: ApiClient;
  adminToken!: string;

  /** Starts both (ready) and makes the admin with the operator CLI, as an operator does. */
  async start(env: Record<string, string>): Promise<this> {
    const { ports } = await this.apps.startReady(env, [{}, {}]);
    [this.a, this.b] = ports.map((port) => new ApiClient(port));
    this.adminToken = await adminAccessToken(env, (email, password) => this.a.login(email, password));
    return this;
  }

  async dispose(): Promise<void> {
    this.a?.close();
    this.b?.close();
    await this.apps.dispose();
  }
}
