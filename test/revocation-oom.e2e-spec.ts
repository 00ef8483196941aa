import { randomInt, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ApiClient, type Answer, type TokenPair } from './support/api-client.js';
import { appEnv, AppProcesses } from './support/app-process.js';
import { uniqueEmail } from './support/auth-client.js';
import { adminAccessToken } from './support/cli-process.js';
import { PrivateRedis } from './support/private-redis.js';

/**
 * DESIGN §3, "all or nothing, or fail safe", against a real Redis at its `maxmemory` (noeviction). Before every
 * attempt the test fills Redis to the limit with junk, then goes past it or stays under it by a few KB, so that an
 * operation's writes fail at every possible point: its first step, its last, or none. Afterwards (memory freed) it reads what stands:
 * whether the account changed, whether the tokens from before still work. "Account changed, tokens alive" is a
 * half-applied operation, and its count must be 0. Revocations never need the memory (they run allow-oom), so
 * the failures land in the account changes, and leave the tokens dead and the account unchanged.
 */

const ATTEMPTS = 100;
const MAX_MEMORY_BYTES = 24 * 1024 * 1024;
const PASSWORDS = ['oom suite passphrase one', 'oom suite passphrase two'];

type Outcome = 'applied' | 'revoked only' | 'nothing' | 'half-applied';

interface Observed {
  changed: boolean;
  tokensAlive: boolean;
}

function outcomeOf({ changed, tokensAlive }: Observed): Outcome {
  if (changed) return tokensAlive ? 'half-applied' : 'applied';
  return tokensAlive ? 'nothing' : 'revoked only';
}

describe('multi-step operations against a Redis at maxmemory (noeviction)', () => {
  const apps = new AppProcesses();
  // RDB only (no append-only file, whose buffer would make used_memory swing by each write's size).
  // Not usePrivateRedis: the server must outlive the app and the junk connection, closed first below.
  const server = new PrivateRedis([
    '--appendonly',
    'no',
    '--save',
    '3600 1',
    '--maxmemory',
    String(MAX_MEMORY_BYTES),
    '--maxmemory-policy',
    'noeviction',
  ]);
  let junk: Redis;
  let api: ApiClient;
  let adminToken: string;
  const table: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    await server.start();
    junk = new Redis(server.url);
    // Two hashes at once: the two logins of an attempt's set-up run side by side.
    const env = appEnv({ REDIS_URL: server.url, PASSWORD_HASH_CONCURRENCY: '2' });
    const { ports } = await apps.startReady(env, [{}]);
    api = new ApiClient(ports[0]);
    adminToken = await adminAccessToken(env, (email, password) => api.login(email, password));
  }, 60_000);

  afterAll(async () => {
    api?.close();
    await apps.dispose();
    await junk?.quit();
    await server.dispose();
    console.log(
      `operations at maxmemory (${ATTEMPTS} attempts each; outcome counts, then status counts):\n` +
        Object.entries(table)
          .map(([name, counts]) => `${name.padEnd(34)} ${JSON.stringify(counts)}`)
          .join('\n'),
    );
  });

  // Junk, written by scripts flagged allow-oom (as Redis lets our revocations write) so that it can go past the
  // limit: one key that tops memory up to it, and small pieces that fine-tune it.
  const JUNK = "#!lua flags=allow-oom\nreturn redis.call('SET', KEYS[1], string.rep('x', tonumber(ARGV[1])))";
  const pieces: string[] = [];

  async function addJunk(bytes: number): Promise<void> {
    const key = `junk:${randomUUID()}`;
    await junk.eval(JUNK, 1, key, bytes);
    pieces.push(key);
  }

  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await junk.info('memory'))?.[1]);

  /** Fills Redis to its limit: a plain write is then refused. */
  async function fillToLimit(): Promise<void> {
    const missing = MAX_MEMORY_BYTES - (await usedMemory());
    if (missing > 0) await addJunk(missing);
    // The allocator rounds: top up by 1 KB until a plain write is refused.
    while (await acceptsWrite()) await addJunk(1024);
  }

  async function acceptsWrite(): Promise<boolean> {
    const key = `junk:${randomUUID()}`;
    try {
      await junk.set(key, 'x');
      pieces.push(key);
      return true;
    } catch (error) {
      if (!String(error).includes('OOM')) throw error;
      return false;
    }
  }

  async function free(bytes: number): Promise<void> {
    let freed = 0;
    while (freed < bytes && pieces.length > 0) {
      const key = pieces.pop() as string;
      freed += await junk.strlen(key);
      await junk.del(key);
    }
  }

  /**
   * How far from the limit an attempt runs, in turn: 16 KB past it, 0–4 KB past it, right at it, 0–2 KB under it.
   * Ending sessions frees their records, so an operation at or near the limit can still complete.
   */
  async function setSlack(attempt: number): Promise<void> {
    const overBy = [16 * 1024, randomInt(1, 4096), 0, -randomInt(1, 2048)][attempt % 4];
    if (overBy > 0) await addJunk(overBy);
    else await free(-overBy);
  }

  /**
   * Every piece of junk gone, so the suite's own requests have the memory they need, while 1 MB blocks fill all but
   * 1–2 MB of it (the suite's own data grows: blocks go as it does), so that topping up to the limit stays cheap.
   */
  const blocks: string[] = [];
  async function freeForSetUp(): Promise<void> {
    const keys = pieces.splice(0);
    if (keys.length > 0) await junk.del(...keys);
    const MB = 1024 * 1024;
    for (let headroom = MAX_MEMORY_BYTES - (await usedMemory()); headroom > 2 * MB; headroom -= MB) {
      const key = `junk:${randomUUID()}`;
      await junk.eval(JUNK, 1, key, MB);
      blocks.push(key);
    }
    for (let headroom = MAX_MEMORY_BYTES - (await usedMemory()); headroom < MB && blocks.length > 0; headroom += MB) {
      await junk.del(blocks.pop() as string);
    }
  }

  const admin = (method: string, path: string, body?: unknown) => api.call(method, path, { token: adminToken, body });

  async function works(tokens: TokenPair): Promise<boolean> {
    if ((await api.status('GET', '/me', tokens.access_token)) === 200) return true;
    return (await api.refresh(tokens.refresh_token)).status === 200;
  }

  async function anyWorks(pairs: TokenPair[]): Promise<boolean> {
    for (const pair of pairs) if (await works(pair)) return true;
    return false;
  }

  /**
   * Runs `attempt` ATTEMPTS times: set up with memory to spare, fill Redis to its limit (and past it, or not
   * quite), run the operation, free the memory, observe. Returns the outcome counts (and records them, with the statuses).
   */
  async function attempts<T>(
    name: string,
    setUp: () => Promise<T>,
    operate: (fixture: T) => Promise<Answer>,
    observe: (fixture: T) => Promise<Observed>,
  ): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const count = (label: string) => (counts[label] = (counts[label] ?? 0) + 1);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      await freeForSetUp();
      const fixture = await setUp();
      await fillToLimit();
      await setSlack(attempt);
      const answer = await operate(fixture);
      await freeForSetUp();
      count(outcomeOf(await observe(fixture)));
      count(`status ${answer.status}`);
    }
    table[name] = counts;
    return counts;
  }

  /** Two fresh sessions of `user` (the caller's and another device's); a new user when none is given. */
  async function userWithSessions(given?: { id: string; email: string }) {
    const password = PASSWORDS[0];
    const user = given ?? (await api.register(uniqueEmail(), password));
    const [caller, other] = await Promise.all([api.login(user.email, password), api.login(user.email, password)]);
    return { user, password, caller, other };
  }

  /** One user for every attempt of a test whose operation leaves the account able to log in again. */
  const sharedUser = () => api.register(uniqueEmail(), PASSWORDS[0]);

  const accountOf = (id: string) =>
    admin('GET', `/admin/users/${id}`) as Promise<Answer<{ disabled: boolean; roles: string[] }>>;

  it('admin disable: never the account disabled with its tokens alive', async () => {
    const user = await sharedUser();
    const counts = await attempts(
      'admin disable',
      async () => {
        await admin('POST', `/admin/users/${user.id}/enable`);
        return userWithSessions(user);
      },
      ({ user }) => admin('POST', `/admin/users/${user.id}/disable`),
      async ({ user, caller, other }) => ({
        changed: (await accountOf(user.id)).body.disabled,
        tokensAlive: await anyWorks([caller, other]),
      }),
    );
    expect(counts['half-applied'] ?? 0).toBe(0);
    expect(counts['status 500'] ?? 0).toBe(0);
  }, 240_000);

  it('admin demotion: never the admin role gone with an admin token still opening /admin', async () => {
    const user = await sharedUser();
    const counts = await attempts(
      'admin demotion',
      async () => {
        await admin('PUT', `/admin/users/${user.id}/roles`, { roles: ['user', 'admin'] });
        return { user, tokens: await api.login(user.email, PASSWORDS[0]) };
      },
      ({ user }) => admin('PUT', `/admin/users/${user.id}/roles`, { roles: ['user'] }),
      async ({ user, tokens }) => ({
        changed: !(await accountOf(user.id)).body.roles.includes('admin'),
        tokensAlive:
          (await api.status('GET', `/admin/users/${user.id}`, tokens.access_token)) === 200 || (await works(tokens)),
      }),
    );
    expect(counts['half-applied'] ?? 0).toBe(0);
    expect(counts['status 500'] ?? 0).toBe(0);
  }, 240_000);

  it('password change: never the password changed with an older session alive', async () => {
    const counts = await attempts(
      'password change',
      () => userWithSessions(),
      ({ caller }) =>
        api.call('POST', '/me/password', {
          token: caller.access_token,
          body: { current_password: PASSWORDS[0], new_password: PASSWORDS[1] },
        }),
      async ({ user, caller, other }) => {
        const changed =
          (await api.call('POST', '/login', { body: { email: user.email, password: PASSWORDS[1] } })).status === 200;
        // Its first step ends the other sessions and keeps the caller's, which a completed change ends too.
        return { changed, tokensAlive: (await works(other)) || (changed && (await works(caller))) };
      },
    );
    expect(counts['half-applied'] ?? 0).toBe(0);
    expect(counts['status 500'] ?? 0).toBe(0);
  }, 240_000);

  it('DELETE /me: never the account gone with a session alive', async () => {
    const counts = await attempts(
      'DELETE /me',
      () => userWithSessions(),
      ({ caller, password }) => api.call('DELETE', '/me', { token: caller.access_token, body: { password } }),
      async ({ user, caller, other }) => ({
        changed: (await accountOf(user.id)).status === 404,
        tokensAlive: await anyWorks([caller, other]),
      }),
    );
    expect(counts['half-applied'] ?? 0).toBe(0);
    expect(counts['status 500'] ?? 0).toBe(0);
  }, 240_000);

  it.each([
    [
      'logout-all',
      (fixture: { caller: TokenPair }) => api.call('POST', '/logout-all', { token: fixture.caller.access_token }),
    ],
    [
      'admin revoke-sessions',
      (fixture: { user: { id: string } }) => admin('POST', `/admin/users/${fixture.user.id}/revoke-sessions`),
    ],
    ['logout', (fixture: { caller: TokenPair }) => api.call('POST', '/logout', { token: fixture.caller.access_token })],
  ])(
    '%s: ends its sessions all at once or not at all, and answers 2xx even at the limit',
    async (name, operate) => {
      const user = await sharedUser();
      const counts = await attempts(
        name,
        () => userWithSessions(user),
        operate,
        async ({ caller, other }) => {
          // logout ends one session: its access and refresh tokens go together. The others end every session.
          const ended = name === 'logout' ? [caller] : [caller, other];
          const alive = await Promise.all(
            ended.map(async (pair) => [
              await api.status('GET', '/me', pair.access_token),
              (await api.refresh(pair.refresh_token)).status,
            ]),
          );
          const statuses = new Set(alive.flat());
          // Half-applied here: some of what it ends still works while the rest does not.
          return { changed: statuses.has(401), tokensAlive: statuses.has(200) };
        },
      );
      expect(counts['half-applied'] ?? 0).toBe(0);
      // A revocation needs no memory: it is never refused at the limit.
      expect(counts.applied).toBe(ATTEMPTS);
    },
    240_000,
  );
});
