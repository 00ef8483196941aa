import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { EnvironmentVariables } from '../config/env.validation.js';
import { RedisKeys } from './redis-keys.js';

const DEFAULT_PREFIX = new EnvironmentVariables().REDIS_KEY_PREFIX;
const SLOTS = 16_384;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
// Ids the app never issues, which must still get working keys.
const ODD_IDS = ['', 'u1', 'a}b{c', 'ABCDEF01-2345-4678-89AB-CDEF01234567', 'user:with:colons'];

const tagOf = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];

/** Every key the app writes for one user, with one token and one session of theirs. */
function keysOfUser(keys: RedisKeys, userId: string, jti = randomUUID(), sessionId = randomUUID()): string[] {
  return [
    keys.revokedToken(userId, jti),
    keys.revokedSession(userId, sessionId),
    keys.session(userId, sessionId),
    `${keys.sessionPrefix(userId)}${randomUUID()}`,
    keys.sessions(userId),
    keys.accountMark(userId),
  ];
}

/** A user id ending in `tail`, so that two of them share a hash tag. */
const userIdEndingIn = (tail: string) => `${randomUUID().slice(0, 36 - tail.length)}${tail}`;

/** The 24 hex digits of a v4 UUID that are random (its version and variant digits are not), as bytes. */
const randomBytesOf = (uuid: string) => Buffer.from(uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(24), 'hex');

describe('RedisKeys', () => {
  const keys = new RedisKeys(DEFAULT_PREFIX);

  it('keeps both entries of a logout within 30 characters with the default prefix (Redis 7: 117 B per entry)', () => {
    const userId = randomUUID();
    expect(DEFAULT_PREFIX).toBe('auth:');
    expect(keys.revokedToken(userId, randomUUID())).toHaveLength(29);
    expect(keys.revokedSession(userId, randomUUID())).toHaveLength(29);
    expect(new RedisKeys('myapp:').revokedToken(userId, randomUUID())).toHaveLength(30);
  });

  it("puts every key of a user under one hash tag, the last five hex digits of the user's id", () => {
    for (let user = 0; user < 100; user += 1) {
      const userId = randomUUID();
      expect(new Set(keysOfUser(keys, userId).map(tagOf))).toEqual(new Set([userId.slice(-5)]));
    }
  });

  it('puts every key of a user in one Cluster slot, also for ids the app never issues', () => {
    for (const userId of [randomUUID(), ...ODD_IDS]) {
      const userKeys = keysOfUser(keys, userId);
      expect(userKeys.map((key) => calculateSlot(key))).toEqual(userKeys.map(() => calculateSlot(userKeys[0])));
      expect(userKeys.map(tagOf).every((tag) => tag !== undefined && tag.length > 0)).toBe(true);
    }
  });

  it('never gives two users who share a hash tag the same key', () => {
    const alice = userIdEndingIn('0beef');
    const bob = userIdEndingIn('0beef');
    const aliceKeys = keysOfUser(keys, alice);
    const bobKeys = keysOfUser(keys, bob);

    expect(tagOf(aliceKeys[0])).toBe(tagOf(bobKeys[0]));
    expect(new Set([...aliceKeys, ...bobKeys]).size).toBe(aliceKeys.length + bobKeys.length);
    // Even under one session id: the session records, unlike the revoked-sid entry, are per user.
    const sessionId = randomUUID();
    expect(keys.session(alice, sessionId)).not.toBe(keys.session(bob, sessionId));
    expect(keys.sessionPrefix(alice)).not.toBe(keys.sessionPrefix(bob));
  });

  it('gives each epoch record a hash tag of its own, under the prefix', () => {
    expect(keys.epochRecord(0)).toBe('auth:epoch{0}');
    expect(new RedisKeys('p:').epochRecord(12)).toBe('p:epoch{12}');
    expect(tagOf(keys.epochRecord(3))).toBe('3');
  });

  it('writes 96 random bits of the jti or sid, base64url, after a one-letter kind', () => {
    const userId = randomUUID();
    const tag = `auth:{${userId.slice(-5)}}`;
    for (let token = 0; token < 1000; token += 1) {
      const id = randomUUID();
      const encoded = randomBytesOf(id).toString('base64url');
      expect(keys.revokedToken(userId, id)).toBe(`${tag}j${encoded}`);
      expect(keys.revokedSession(userId, id)).toBe(`${tag}s${encoded}`);
    }
  });

  it('tells apart two ids that differ in any one of the 24 digits it keeps', () => {
    const userId = randomUUID();
    const id = randomUUID();
    const kept = [...Array(36).keys()].filter((index) => index < 13 || index > 23).filter((index) => id[index] !== '-');
    expect(kept).toHaveLength(24);
    for (const index of kept) {
      const other = `${id.slice(0, index)}${id[index] === '0' ? '1' : '0'}${id.slice(index + 1)}`;
      expect(keys.revokedToken(userId, other)).not.toBe(keys.revokedToken(userId, id));
      expect(keys.revokedSession(userId, other)).not.toBe(keys.revokedSession(userId, id));
    }
  });

  it('keeps ids that are not lowercase UUIDs whole, in keys that cannot meet the compact ones', () => {
    const userId = randomUUID();
    const tag = `auth:{${userId.slice(-5)}}`;
    const uppercase = randomUUID().toUpperCase();
    expect(keys.revokedToken(userId, '')).toBe(`${tag}:jti:`);
    expect(keys.revokedToken(userId, uppercase)).toBe(`${tag}:jti:${uppercase}`);
    expect(keys.revokedToken(userId, uppercase)).not.toBe(keys.revokedToken(userId, uppercase.toLowerCase()));
    expect(keys.revokedSession(userId, 's1')).toBe(`${tag}:sid:s1`);
  });

  it.each(['', 'auth:', `${'p'.repeat(31)}:`])('starts every key with the prefix %j', (prefix) => {
    const prefixed = new RedisKeys(prefix);
    const all = [randomUUID(), ...ODD_IDS].flatMap((userId) => keysOfUser(prefixed, userId));
    all.push(prefixed.epochRecord(0), prefixed.epochId(0));
    expect(all.filter((key) => !key.startsWith(prefix))).toEqual([]);
  });

  it('builds keys of printable ASCII only, for redis-cli', () => {
    const ids = [randomUUID(), 'u1', 'ABCDEF01-2345-4678-89AB-CDEF01234567'];
    const all = ids.flatMap((userId) => keysOfUser(keys, userId));
    all.push(keys.epochRecord(0), keys.epochId(0));
    expect(all.filter((key) => !PRINTABLE_ASCII.test(key))).toEqual([]);
  });

  it('spreads users over every Cluster slot: the 2^20 possible tags reach all 16 384', () => {
    const head = randomUUID().slice(0, 31);
    const slots = new Set<number>();
    for (let tail = 0; tail < 1 << 20; tail += 1) {
      slots.add(calculateSlot(keys.sessions(`${head}${tail.toString(16).padStart(5, '0')}`)));
    }
    expect(slots.size).toBe(SLOTS);
  });

  it('reads back the kind of every key it builds (what `stats` counts), and claims no other key', () => {
    for (const prefix of [DEFAULT_PREFIX, '', 'j{s}:']) {
      const layout = new RedisKeys(prefix);
      for (const userId of [randomUUID(), ...ODD_IDS]) {
        for (const id of [randomUUID(), ...ODD_IDS]) {
          expect(layout.kindOf(layout.revokedToken(userId, id))).toBe('revoked token');
          expect(layout.kindOf(layout.revokedSession(userId, id))).toBe('revoked session');
          expect(layout.kindOf(layout.session(userId, id))).toBe('session');
        }
        expect(layout.kindOf(layout.sessions(userId))).toBe('session set');
        expect(layout.kindOf(layout.accountMark(userId))).toBe('account mark');
      }
      expect([0, 7, 123].map((tag) => layout.kindOf(layout.epochRecord(tag)))).toEqual(Array(3).fill('epoch record'));
      expect(layout.kindOf(layout.epochId(0))).toBeUndefined();
      expect(layout.kindOf(`${prefix}bl:${randomUUID()}`)).toBeUndefined();
    }
    expect(keys.kindOf(`other:${keys.revokedToken(randomUUID(), randomUUID()).slice(DEFAULT_PREFIX.length)}`)).toBe(
      undefined,
    );
  });
});
