import { Command } from 'nest-commander';
import type { Redis } from 'ioredis';
import { databaseCall, storeCall } from '../common/errors/store-unavailable.error.js';
import type { Database } from '../database/database.js';
import { dataNodes } from '../redis/redis-client.js';
import { RedisKeys, type RedisKeyKind } from '../redis/redis-keys.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';

const SCAN_COUNT = 1000;
/** At most this many SCAN calls per node (about 10 million keys looked at): stats never runs unbounded. */
const MAX_SCANS_PER_NODE = 10_000;

// The kinds of key counted, as RedisKeys reads them back from the layout, and their labels here.
const KEY_KINDS: readonly { label: string; kind: RedisKeyKind }[] = [
  { label: 'revoked jti', kind: 'revoked token' },
  { label: 'revoked sid', kind: 'revoked session' },
  { label: 'sessions', kind: 'session' },
  { label: 'epoch records', kind: 'epoch record' },
];

interface KeyCounts {
  counts: number[];
  /** False when a node's SCAN stopped at the bound: the counts are then lower bounds. */
  complete: boolean;
}

@Command({
  name: 'stats',
  description:
    'Shows the store (its kind, memory used, how many keys of each kind live under REDIS_KEY_PREFIX) and the ' +
    'database (how many accounts and audit entries it holds)',
})
export class StatsCommand extends CliCommand {
  constructor(
    private readonly store: CliStore,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  async run(): Promise<void> {
    const rows: [string, string][] = [['store', this.store.describe()]];
    const notes: string[] = [];
    const redis = this.store.redis;
    if (redis) {
      const nodes = dataNodes(this.store.connected(redis));
      const [memory, keyCounts] = await storeCall(() =>
        Promise.all([usedMemory(nodes), countKeys(nodes, this.store.keyPrefix, this.keys)]),
      );
      const atLeast = keyCounts.complete ? '' : '>= ';
      rows.push(
        ['key prefix', this.store.keyPrefix || '(none)'],
        ['used_memory', memory],
        ...KEY_KINDS.map(({ label }, index): [string, string] => [label, `${atLeast}${keyCounts.counts[index]}`]),
      );
      if (!keyCounts.complete) {
        notes.push(
          `(SCAN stopped after ${MAX_SCANS_PER_NODE * SCAN_COUNT} keys per node: key counts are lower bounds)`,
        );
      }
    } else {
      notes.push(`no keys to count: ${CliStore.IN_MEMORY}`);
    }
    const db = this.store.database;
    if (db) {
      const { users, audit } = await databaseCall(() => countRows(db));
      rows.push(['database', 'postgres'], ['users', String(users)], ['audit entries', String(audit)]);
    } else {
      rows.push(['database', 'embedded']);
      notes.push(`no accounts to count: ${CliStore.EMBEDDED}`);
    }
    this.say(table(rows));
    for (const note of notes) this.say(note);
  }
}

async function countRows(db: Database): Promise<{ users: number; audit: number }> {
  const [users, audit] = await Promise.all([
    db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow(),
  ]);
  return { users: Number(users.count), audit: Number(audit.count) };
}

/** used_memory as Redis prints it; summed over the masters of a Cluster. */
async function usedMemory(nodes: Redis[]): Promise<string> {
  const infos = await Promise.all(nodes.map((node) => node.info('memory')));
  if (infos.length === 1) return infoField(infos[0], 'used_memory_human') ?? 'unknown';
  const bytes = infos.reduce((sum, info) => sum + Number(infoField(info, 'used_memory') ?? 0), 0);
  return `${humanBytes(bytes)} (${infos.length} masters)`;
}

async function countKeys(nodes: Redis[], prefix: string, keys: RedisKeys): Promise<KeyCounts> {
  const perNode = await Promise.all(nodes.map((node) => countNodeKeys(node, prefix, keys)));
  return {
    counts: KEY_KINDS.map((_kind, index) => perNode.reduce((sum, node) => sum + node.counts[index], 0)),
    complete: perNode.every((node) => node.complete),
  };
}

async function countNodeKeys(node: Redis, prefix: string, layout: RedisKeys): Promise<KeyCounts> {
  const counts = KEY_KINDS.map(() => 0);
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let scans = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next;
    scans += 1;
    for (const key of keys) {
      const kind = layout.kindOf(key);
      const counted = KEY_KINDS.findIndex((counting) => counting.kind === kind);
      if (counted >= 0) counts[counted] += 1;
    }
  } while (cursor !== '0' && scans < MAX_SCANS_PER_NODE);
  return { counts, complete: cursor === '0' };
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1];
}

function humanBytes(bytes: number): string {
  const units = ['K', 'M', 'G', 'T'];
  if (bytes < 1024) return `${bytes}B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

/** Two columns, the values lined up. */
function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
