import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EpochLedger, LedgerEntry } from '../src/epoch/epoch-ledger.js';
import { EPOCH_CHECK_INTERVAL_MS } from '../src/epoch/redis-store-epoch.js';
import { CONTRACT_TERMS } from '../src/sessions/testing/session-store.contract.js';
import { eventually } from './support/poll.js';
import { redisForContract, redisStores } from './support/redis-client.js';

/**
 * The store epoch against a real Redis: two watchers on one prefix (two instances), and what each detects when the
 * epoch record is deleted, replaced by an older copy, or its change count goes back.
 */
describe('RedisStoreEpoch', () => {
  let first: Awaited<ReturnType<typeof redisStores>>;
  let second: Awaited<ReturnType<typeof redisStores>>;
  let admin: Redis;

  beforeEach(async () => {
    first = await redisStores();
    // The same prefix, another connection: a second instance of the deployment.
    const other = redisForContract();
    second = await redisStores({ on: { redis: other.redis, keys: first.keys } });
    admin = other.redis;
  });

  afterEach(async () => {
    await first.close();
    await second.close();
    await admin.quit();
  });

  const record = () => admin.hgetall(first.keys.epochRecord(0));
  /** Bounded: every loss must be noticed within about a second. */
  const noticed = (probe: () => boolean) => eventually(() => Promise.resolve(probe()), 1_500);

  it('starts epoch #1 once and shares it: the second instance adopts it, and nothing is reported lost', async () => {
    const epoch = await first.epoch.current();
    expect(await second.epoch.current()).toBe(epoch);
    expect(await record()).toMatchObject({ id: epoch, seq: '1', cause: 'created' });
    expect(first.losses).toEqual([]);
    expect(second.losses).toEqual([]);
  });

  it('counts every change a session script makes in the record', async () => {
    const sessions = first.sessionStore(CONTRACT_TERMS);
    const before = Number((await record()).rev);
    const userId = randomUUID();
    await sessions.open({ userId, sessionId: randomUUID(), userAgent: 'x', refreshTokenHash: 'h' }, 1);
    await sessions.endAll(userId);
    expect(Number((await record()).rev)).toBe(before + 2);
  });

  it('notices a deleted record (FLUSHALL, an empty restart) on every instance and begins epoch #2', async () => {
    const old = await first.epoch.current();
    await second.epoch.current();
    await admin.del(first.keys.epochRecord(0), first.keys.epochId(0));
    expect(await noticed(() => first.epoch.confirmed !== undefined && first.epoch.confirmed !== old)).toBe(true);
    expect(await noticed(() => second.epoch.confirmed !== undefined && second.epoch.confirmed !== old)).toBe(true);
    expect(first.epoch.confirmed).toBe(second.epoch.confirmed);
    expect((await record()).seq).toBe('2');
    // One of them saw the record gone and began the new epoch; the other saw it gone too, or followed.
    expect([...first.losses, ...second.losses]).toContain('wiped');
    expect(first.losses).toHaveLength(1);
    expect(second.losses).toHaveLength(1);
  });

  it('begins one epoch when two instances notice one loss: the later one follows the epoch the ledger shows', async () => {
    // Two instances sharing a ledger; the second's ledger reads can be held until the first has begun its epoch.
    let entry: LedgerEntry | undefined;
    let held: Promise<void> | undefined;
    let heldReads = 0;
    let release: () => void = () => undefined;
    const shared: EpochLedger = {
      read: () => Promise.resolve(entry),
      write: (next) => {
        entry = next;
        if (next.seq === 2) release();
        return Promise.resolve();
      },
    };
    const holding: EpochLedger = {
      read: async () => {
        if (held) heldReads += 1;
        await held;
        return entry;
      },
      write: shared.write,
    };
    const one = await redisStores({ ledger: shared });
    const two = await redisStores({ on: { redis: admin, keys: one.keys }, ledger: holding });
    try {
      const old = await one.epoch.current();
      expect(await two.epoch.current()).toBe(old);
      held = new Promise((resolve) => (release = resolve));
      await admin.del(one.keys.epochRecord(0), one.keys.epochId(0));
      // The second sees the record gone and stops at the ledger; only then does the first look, and begin epoch #2.
      two.epoch.suspect();
      expect(await noticed(() => heldReads > 0)).toBe(true);
      one.epoch.suspect();
      expect(await noticed(() => two.epoch.confirmed !== undefined && two.epoch.confirmed !== old)).toBe(true);
      expect(await noticed(() => one.epoch.confirmed !== undefined && one.epoch.confirmed !== old)).toBe(true);
      expect(two.epoch.confirmed).toBe(one.epoch.confirmed);
      expect(await admin.hgetall(one.keys.epochRecord(0))).toMatchObject({ id: one.epoch.confirmed, seq: '2' });
      expect(entry?.seq).toBe(2);
      expect(one.losses).toEqual(['wiped']);
      expect(two.losses).toHaveLength(1);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('notices a change count that went back (a restore from an older snapshot)', async () => {
    const sessions = first.sessionStore(CONTRACT_TERMS);
    const old = await first.epoch.current();
    const userId = randomUUID();
    const snapshot = await record();
    await sessions.open({ userId, sessionId: randomUUID(), userAgent: 'x', refreshTokenHash: 'h' }, 1);
    await sessions.endAll(userId);
    // Restore the record as it was before those two changes.
    await admin.hset(first.keys.epochRecord(0), 'rev', snapshot.rev);
    expect(await noticed(() => first.epoch.confirmed !== undefined && first.epoch.confirmed !== old)).toBe(true);
    expect(first.losses).toEqual(['rolled_back']);
    expect(await noticed(() => second.epoch.confirmed === first.epoch.confirmed)).toBe(true);
  });

  it('notices the record of an older epoch coming back, and never adopts it', async () => {
    const old = await first.epoch.current();
    const older = { ...(await record()) };
    await admin.del(first.keys.epochRecord(0), first.keys.epochId(0));
    expect(await noticed(() => first.epoch.confirmed !== undefined && first.epoch.confirmed !== old)).toBe(true);
    const current = first.epoch.confirmed as string;
    // As a restore brings them back: the record and its id key together.
    await admin.hset(first.keys.epochRecord(0), older);
    await admin.set(first.keys.epochId(0), old);
    expect(await noticed(() => ![undefined, current].includes(first.epoch.confirmed))).toBe(true);
    expect(first.epoch.confirmed).not.toBe(old);
    expect(Number((await record()).seq)).toBe(3);
    expect(first.losses.filter((cause) => cause === 'rolled_back').length).toBeGreaterThanOrEqual(1);
  });

  it('reads the record every EPOCH_CHECK_INTERVAL_MS, and answers from memory in between', async () => {
    await first.epoch.current();
    const before = Number((await admin.info('commandstats')).match(/cmdstat_hmget:calls=(\d+)/)?.[1] ?? 0);
    await new Promise((resolve) => setTimeout(resolve, EPOCH_CHECK_INTERVAL_MS * 4));
    const after = Number((await admin.info('commandstats')).match(/cmdstat_hmget:calls=(\d+)/)?.[1] ?? 0);
    // Two watchers, about four checks each: a lower bound, since other suites share this Redis.
    expect(after - before).toBeGreaterThanOrEqual(4);
    expect(first.epoch.confirmed).toBeDefined();
  });
});
