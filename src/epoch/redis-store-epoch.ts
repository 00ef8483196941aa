import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../common/errors/store-unavailable.error.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import type { EpochLedger, LedgerEntry } from './epoch-ledger.js';
import { COUNT_CHANGE, INSTALL_EPOCH } from './epoch.scripts.js';
import { newEpochId, type StoreEpoch, type StoreLossCause, type StoreLossObserver } from './store-epoch.js';

/** How often every instance reads the epoch records: a loss nothing else reported is noticed within this. */
export const EPOCH_CHECK_INTERVAL_MS = 250;
const LEDGER_WRITE_INTERVAL_MS = 1000;
// As long as RedisLifecycle waits for the first connection at boot.
const BOOT_WAIT_MS = 5000;
// Every master of a Cluster gets a record; tags are tried in order until each master owns one.
const MAX_RECORD_TAGS = 100_000;

interface EpochRecord {
  id: string;
  seq: number;
  rev: number;
  cause: string;
}

interface Epoch {
  id: string;
  seq: number;
}

type Verdict =
  | { kind: 'current' }
  | { kind: 'lost'; cause: Exclude<StoreLossCause, 'replaced'>; detail: string }
  | { kind: 'replaced'; by: EpochRecord }
  | { kind: 'absent' };

type EpochCommands = {
  installEpoch(record: string, idKey: string, ...args: (string | number)[]): Promise<[string, string]>;
  countChange(key: string): Promise<[string | null, number]>;
};

/** What a session script reports of the record it counted its change in: the epoch then, and the new count. */
export interface CountedChange {
  /** The epoch id the script saw ('' or null: no record). */
  epoch: string | null;
  rev: number;
}

/**
 * Watches the epoch record(s) in Redis: one record, or one per master of a Cluster (a master restarted empty
 * loses its own). Each holds the epoch's id, its number in the line of epochs and a count of the changes made
 * under it. The instance remembers the highest count it has seen (its own writes' and every check's): a record
 * that is gone, an older epoch's record, or a count that went back means the data was lost (FLUSHALL, an empty
 * restart, a restore from an older snapshot, a failover to a replica that missed writes). Then a new epoch begins:
 * every token and session of the old one is refused, one error line and a metric tell the operator.
 *
 * It is checked every EPOCH_CHECK_INTERVAL_MS, at once when the connection comes back (nothing is answered until
 * then), and whenever a flush or a missing record is reported (the mirror's invalidations, the session scripts).
 */
export class RedisStoreEpoch implements StoreEpoch, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StoreEpoch');
  private readonly commands: EpochCommands;
  private known?: Epoch;
  private confirmedNow = false;
  /** Per record: the highest change count seen. A record listed here has existed. */
  private readonly revs = new Map<string, number>();
  /** The tag of every record key built here (the record's id key is named after it). */
  private readonly tags = new Map<string, number>();
  /** Bumped whenever the data may have changed under us: a check that began before it confirms nothing. */
  private suspicion = 0;
  private checking?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private ledgerWrittenAt = 0;
  private ledgerEntry = '';

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly ledger: EpochLedger,
    private readonly observer: StoreLossObserver,
    /** How long a request waits for the epoch to be confirmed (the Redis command timeout). */
    private readonly waitMs: number,
  ) {
    redis.defineCommand('installEpoch', { numberOfKeys: 2, lua: INSTALL_EPOCH });
    redis.defineCommand('countChange', { numberOfKeys: 1, lua: COUNT_CHANGE });
    this.commands = redis as unknown as EpochCommands;
    redis.on('close', () => this.doubt());
    redis.on('ready', () => this.suspect());
  }

  get confirmed(): string | undefined {
    return this.confirmedNow ? this.known?.id : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.timer = setInterval(() => void this.checkNow().catch(() => undefined), EPOCH_CHECK_INTERVAL_MS).unref();
    // Not connected within the bound: the 'ready' event checks, and requests get 503 until then.
    if (await connected(this.redis, BOOT_WAIT_MS)) await this.checkNow().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async current(): Promise<string> {
    const id = this.confirmed;
    if (id !== undefined) return id;
    if (this.redis.status !== 'ready') throw new StoreUnavailableError(new Error('Redis is not connected'));
    await withTimeout(this.checkNow(), this.waitMs).catch(() => undefined);
    const confirmed = this.confirmed;
    if (confirmed === undefined) throw new StoreUnavailableError(new Error('the store epoch could not be confirmed'));
    return confirmed;
  }

  /** The data may have been lost (a flush was reported, a record was missing): answer nothing until re-checked. */
  suspect(): void {
    this.doubt();
    void this.checkNow().catch(() => undefined);
  }

  /**
   * How a session script finds the epoch: standalone and Sentinel, the script reads the record itself (one
   * server, any key); on a Cluster the record lives in another slot, so the script gets the id and a key of the
   * caller's slot (`sameSlotKey`) in its place.
   */
  async scriptArgs(sameSlotKey: string): Promise<{ key: string; id: string }> {
    if (!this.redis.isCluster) return { key: this.recordKey(0), id: '' };
    return { key: sameSlotKey, id: await this.current() };
  }

  /**
   * After a session script that changed something: `change` is what it counted in the record (standalone and
   * Sentinel). On a Cluster the change is counted here, in the record of the master that owns `sameSlotKey`. A
   * change acknowledged before it is counted could be lost unseen, so a failure to count is a failure (503).
   */
  async counted(sameSlotKey: string, change: CountedChange): Promise<void> {
    if (!this.redis.isCluster) return this.note(this.recordKey(0), change);
    const record = this.recordKeys().find((key) => sameMaster(this.redis as Cluster, key, sameSlotKey));
    const [epoch, rev] = record ? await this.commands.countChange(record) : [null, 0];
    this.note(record as string, { epoch, rev });
    if (!epoch) throw new StoreUnavailableError(new Error('the store epoch record is missing'));
  }

  /** A session script found no epoch record (standalone and Sentinel): the data is gone. */
  missing(): StoreUnavailableError {
    this.suspect();
    return new StoreUnavailableError(new Error('the store epoch record is missing'));
  }

  private doubt(): void {
    this.suspicion += 1;
    this.confirmedNow = false;
  }

  /** Remembers a count the record reached under the current epoch; no record at all means the data is gone. */
  private note(key: string, { epoch, rev }: CountedChange): void {
    if (!epoch) return this.suspect();
    if (epoch === this.known?.id) this.noteRev(key, rev);
  }

  private noteRev(key: string, rev: number): void {
    if (rev > (this.revs.get(key) ?? -1)) this.revs.set(key, rev);
  }

  /** After an epoch began here or was adopted: every record is known to exist, counting from where it is now. */
  private startCounting(keys: string[]): void {
    this.revs.clear();
    for (const key of keys) this.revs.set(key, 0);
  }

  /** One check at a time; it confirms the epoch only if nothing cast doubt on it while it ran. */
  private checkNow(): Promise<void> {
    this.checking ??= this.checkUntilSettled().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkUntilSettled(): Promise<void> {
    for (;;) {
      const suspicion = this.suspicion;
      await this.check();
      if (suspicion === this.suspicion) {
        this.confirmedNow = true;
        return;
      }
    }
  }

  private async check(): Promise<void> {
    const keys = this.recordKeys();
    const seen = new Map(this.revs); // as known when the reads were sent
    const records = await Promise.all(keys.map((key) => this.read(key)));
    const verdict = this.known ? this.judge(keys, records, seen) : await this.judgeAtStart(keys, records);
    switch (verdict.kind) {
      case 'current':
        await this.installOnNewRecords(keys, records);
        records.forEach((record, index) => record && this.noteRev(keys[index], record.rev));
        await this.writeLedger();
        return;
      case 'absent':
        return this.begin(keys, records, 'created', 'no epoch record yet');
      case 'lost':
        return this.begin(keys, records, verdict.cause, verdict.detail);
      case 'replaced':
        return this.adopt(keys, verdict.by);
    }
  }

  /** Judges the records against the epoch this instance holds and the change counts it has seen. */
  private judge(keys: string[], records: (EpochRecord | undefined)[], seen: Map<string, number>): Verdict {
    const known = this.known as Epoch;
    const newer = records.filter((record) => record && record.seq > known.seq) as EpochRecord[];
    if (newer.length > 0) return { kind: 'replaced', by: latest(newer) };
    for (const [index, record] of records.entries()) {
      const key = keys[index];
      if (!record) {
        if (seen.has(key))
          return lost('wiped', `the epoch record ${key} is gone (FLUSHALL, FLUSHDB or a restart with empty data)`);
        continue;
      }
      if (record.seq < known.seq || record.id !== known.id) {
        return lost(
          'rolled_back',
          `${key} holds epoch #${record.seq} again, not #${known.seq} (a restore from an older copy)`,
        );
      }
      const highest = seen.get(key) ?? 0;
      if (record.rev < highest) {
        return lost(
          'rolled_back',
          `the change count of ${key} went back from ${highest} to ${record.rev} (a restore from an older snapshot, or a failover to a replica that missed writes)`,
        );
      }
    }
    return { kind: 'current' };
  }

  /** The first check of this process: nothing in memory, so the records are judged against the durable ledger. */
  private async judgeAtStart(keys: string[], records: (EpochRecord | undefined)[]): Promise<Verdict> {
    const entry = await this.ledger.read();
    const present = records.filter((record): record is EpochRecord => record !== undefined);
    if (present.length === 0) {
      return entry ? lost('wiped', `no epoch record, though epoch #${entry.seq} was recorded`) : { kind: 'absent' };
    }
    const top = latest(present);
    if (present.some((record) => record.id !== top.id)) {
      return lost('rolled_back', 'the epoch records disagree (one was restored from an older copy)');
    }
    if (entry && entry.seq > top.seq) {
      return lost('rolled_back', `Redis holds epoch #${top.seq}, though #${entry.seq} was recorded`);
    }
    if (entry && entry.id === top.id) {
      const behind = keys.find((key, index) => (records[index]?.rev ?? 0) < (entry.revs[key] ?? 0));
      if (behind) return lost('rolled_back', `the change count of ${behind} is below the recorded one`);
    }
    this.known = { id: top.id, seq: top.seq };
    return { kind: 'current' };
  }

  /** Starts a new epoch in every record; if another instance started one first, that one is adopted instead. */
  private async begin(
    keys: string[],
    records: (EpochRecord | undefined)[],
    cause: Exclude<StoreLossCause, 'replaced'> | 'created',
    detail: string,
  ): Promise<void> {
    const entry = await this.ledger.read();
    // The ledger is written after the records: an entry newer than all this check saw is an epoch another instance
    // began since, after the same loss. Follow it while the store holds it; a higher seq would replace it.
    const newestSeen = Math.max(this.known?.seq ?? 0, ...records.map((record) => record?.seq ?? 0));
    if (entry && entry.seq > newestSeen) {
      const begun = await this.read(keys[0]);
      if (begun?.id === entry.id) return this.adopt(keys, begun);
    }
    const seq = Math.max(this.known?.seq ?? 0, entry?.seq ?? 0, ...records.map((record) => record?.seq ?? 0)) + 1;
    const replacing = this.known?.id ?? latest(records.filter(Boolean) as EpochRecord[])?.id ?? '';
    const next = newEpochId();
    const [winnerId, winnerSeq] = await this.install(keys[0], replacing, next, seq, cause);
    const winner = { id: winnerId, seq: Number(winnerSeq) };
    if (winner.id !== next) return this.adopt(keys, { ...winner, rev: 0, cause: 'started by another instance' });
    await this.installEverywhere(keys, winner, cause);
    this.known = winner;
    this.startCounting(keys);
    if (cause === 'created') {
      this.logger.warn(
        `No epoch record in Redis: epoch #${winner.seq} begins. Tokens and sessions of any earlier epoch are refused`,
      );
    } else {
      this.logger.error(
        `The revocation store lost data: ${detail}. Epoch #${winner.seq} begins: every token and session issued ` +
          'before now is refused, and users must sign in again',
      );
      this.observer.storeLost(cause);
    }
    await this.writeLedger();
  }

  /** Another instance began a newer epoch (after a loss it detected): this instance follows it. */
  private async adopt(keys: string[], by: EpochRecord): Promise<void> {
    const previous = this.known;
    this.known = { id: by.id, seq: by.seq };
    await this.installEverywhere(keys, this.known, by.cause);
    this.startCounting(keys);
    if (previous) {
      this.logger.error(
        `The revocation store began epoch #${by.seq} (${by.cause}): every token and session issued before it is ` +
          'refused, and users must sign in again',
      );
      this.observer.storeLost('replaced');
    }
    await this.writeLedger();
  }

  private async installEverywhere(keys: string[], epoch: Epoch, cause: string): Promise<void> {
    await Promise.all(keys.map((key) => this.install(key, '', epoch.id, epoch.seq, cause)));
  }

  private install(record: string, replacing: string, id: string, seq: number, cause: string) {
    return this.commands.installEpoch(record, this.idKeyOf(record), replacing, id, seq, cause, Date.now());
  }

  /** A Cluster master without a record yet (a new one) gets the current epoch's. */
  private async installOnNewRecords(keys: string[], records: (EpochRecord | undefined)[]): Promise<void> {
    const fresh = keys.filter((key, index) => !records[index] && !this.revs.has(key));
    if (fresh.length > 0) await this.installEverywhere(fresh, this.known as Epoch, 'a new master');
  }

  /** The record, or undefined when it is gone, or its id key (what the guard reads) no longer matches it. */
  private async read(key: string): Promise<EpochRecord | undefined> {
    const [[id, seq, rev, cause], idKeyValue] = await Promise.all([
      this.redis.hmget(key, 'id', 'seq', 'rev', 'cause'),
      this.redis.get(this.idKeyOf(key)),
    ]);
    if (id === null || idKeyValue !== id) return undefined;
    return { id, seq: Number(seq), rev: Number(rev), cause: cause ?? '' };
  }

  /** The record keys: one on standalone and Sentinel; on a Cluster, one per master plus every one seen before. */
  private recordKeys(): string[] {
    if (!this.redis.isCluster) return [this.recordKey(0)];
    const cluster = this.redis as Cluster;
    const owners = new Map<string, string>();
    const masters = new Set(cluster.nodes('master').map(({ options }) => `${options.host}:${options.port}`));
    for (let tag = 0; owners.size < masters.size && tag < MAX_RECORD_TAGS; tag += 1) {
      const key = this.recordKey(tag);
      const owner = masterOf(cluster, key);
      if (owner !== undefined && masters.has(owner) && !owners.has(owner)) owners.set(owner, key);
    }
    return [...new Set([...owners.values(), ...this.revs.keys()])].sort();
  }

  private recordKey(tag: number): string {
    const key = this.keys.epochRecord(tag);
    this.tags.set(key, tag);
    return key;
  }

  private idKeyOf(record: string): string {
    return this.keys.epochId(this.tags.get(record) as number);
  }

  private async writeLedger(): Promise<void> {
    const known = this.known;
    if (!known) return;
    const entry: LedgerEntry = { id: known.id, seq: known.seq, revs: Object.fromEntries(this.revs) };
    const serialised = JSON.stringify(entry);
    if (serialised === this.ledgerEntry || Date.now() - this.ledgerWrittenAt < LEDGER_WRITE_INTERVAL_MS) return;
    this.ledgerWrittenAt = Date.now();
    try {
      await this.ledger.write(entry);
      this.ledgerEntry = serialised;
    } catch (error) {
      // The store itself is fine; only a restart of every instance would then miss a rollback. Said, not fatal.
      this.logger.warn(`Could not record the store's high-water mark: ${(error as Error).message}`);
    }
  }
}

function lost(cause: Exclude<StoreLossCause, 'replaced'>, detail: string): Verdict {
  return { kind: 'lost', cause, detail };
}

function latest(records: EpochRecord[]): EpochRecord {
  return records.reduce((top, record) => (record.seq > top.seq ? record : top), records[0]);
}

function masterOf(cluster: Cluster, key: string): string | undefined {
  return cluster.slots[calculateSlot(key)]?.[0];
}

function sameMaster(cluster: Cluster, key: string, other: string): boolean {
  const owner = masterOf(cluster, key);
  return owner !== undefined && owner === masterOf(cluster, other);
}

function connected(redis: RedisClient, boundMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), boundMs).unref();
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}
