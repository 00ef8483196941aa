import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ApiClient, type TokenPair } from './support/api-client.js';
import { appEnv, AppProcesses } from './support/app-process.js';
import { decodeClaims } from './support/auth-client.js';
import { adminAccessToken } from './support/cli-process.js';
import { testRedisUrl } from './support/redis-server.js';
import { RaceRunner } from './support/revocation-race.js';

/**
 * DESIGN §3: no instance clock decides revocation. Three real API processes on one Redis: one on the true clock,
 * one whose clock runs 3 s fast and one 3 s slow (a `--import` preload shifts Date; the tolerance is 5 s). A
 * logout-all or an admin action on one instance refuses every token the others minted, however their clocks
 * read, and a refresh raced against it on a skewed instance mints nothing that survives.
 */

const SHIFT_MS = 3_000;
const ROUNDS = 100;
const PRELOAD = ['--import', resolve(__dirname, 'preload', 'clock-shift.mjs')];

describe('instances whose clocks are 3 s off', () => {
  const apps = new AppProcesses();
  let exact: ApiClient;
  let fast: ApiClient;
  let slow: ApiClient;
  let adminToken: string;
  const races: RaceRunner[] = [];

  beforeAll(async () => {
    const env = appEnv({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: `clk${randomUUID().slice(0, 6)}:` });
    const { ports } = await apps.startReady(
      env,
      [{}, { CLOCK_SHIFT_MS: String(SHIFT_MS) }, { CLOCK_SHIFT_MS: String(-SHIFT_MS) }],
      [[], PRELOAD, PRELOAD],
    );
    [exact, fast, slow] = ports.map((port) => new ApiClient(port));
    adminToken = await adminAccessToken(env, (email, password) => exact.login(email, password));
  }, 60_000);

  afterAll(async () => {
    for (const client of [exact, fast, slow]) client?.close();
    await apps.dispose();
    for (const runner of races) console.log(runner.report('clock-skewed races'));
  });

  const all = () => [exact, fast, slow];
  const statusesOf = (tokens: TokenPair) =>
    Promise.all(all().map((api) => api.status('GET', '/me', tokens.access_token)));

  it('really runs the skewed clocks: their tokens are dated 3 s ahead and behind, and work everywhere', async () => {
    const { email } = await exact.register();
    const [onExact, onFast, onSlow] = await Promise.all(all().map((api) => api.login(email)));
    const iat = (tokens: TokenPair) => decodeClaims(tokens.access_token).iat as number;
    expect(iat(onFast) - iat(onExact)).toBeGreaterThanOrEqual(2);
    expect(iat(onExact) - iat(onSlow)).toBeGreaterThanOrEqual(2);
    for (const tokens of [onExact, onFast, onSlow]) expect(await statusesOf(tokens)).toEqual([200, 200, 200]);
  });

  it('dates sessions by the store, not by the instance that opened them', async () => {
    const { email } = await exact.register();
    const tokens = await fast.login(email);
    const listed = await fast.call<{ createdAt: string }[]>('GET', '/sessions', { token: tokens.access_token });
    expect(Math.abs(Date.parse(listed.body[0].createdAt) - Date.now())).toBeLessThan(1_000);
  });

  it.each([
    ['logout-all on the exact instance', 'logout-all'],
    ['an admin disable on the exact instance', 'disable'],
  ])('%s refuses every token the skewed instances minted, on every instance', async (_name, action) => {
    const user = await exact.register();
    const [onFast, onSlow] = await Promise.all([fast.login(user.email), slow.login(user.email)]);
    const own = await exact.login(user.email);
    if (action === 'logout-all') {
      expect((await exact.call('POST', '/logout-all', { token: own.access_token })).status).toBe(204);
    } else {
      expect((await exact.call('POST', `/admin/users/${user.id}/disable`, { token: adminToken })).status).toBe(204);
    }
    for (const tokens of [onFast, onSlow]) {
      expect(await statusesOf(tokens)).toEqual([401, 401, 401]);
      for (const api of all()) expect((await api.refresh(tokens.refresh_token)).status).toBe(401);
    }
  });

  it.each([
    ['fast', 0],
    ['slow', 1],
  ])(
    'logout-all on the exact instance vs a refresh on the %s one: nothing minted survives',
    async (_name, index) => {
      const racer = [fast, slow][index];
      const runner = new RaceRunner(exact, racer, { rounds: ROUNDS, lanes: 4 });
      races.push(runner);
      const tally = await runner.run(runner.logoutAllVersusRefresh(`logout-all (exact) vs refresh (${_name})`));
      expect(tally.revoked).toBe(ROUNDS);
      expect(tally.survivors).toBe(0);
    },
    120_000,
  );
});
