/**
 * Key layout, sized by DESIGN §6: at most 120 B of Redis memory per revocation entry.
 *
 * Redis spends, per key, a dict entry, an expiry dict entry, hash-table buckets and the key's sds; the value "1" is
 * a shared integer and costs nothing. Only the key length moves the figure, in steps of 16 B: on Redis 7.0, with
 * the bench's 200 000 entries, a key of up to 30 characters costs 117 B per entry, 31–46 characters 133 B (the
 * `EXISTS bl:<jti>` anchor), the former 84 characters 181 B. The two keys a logout writes are 29 characters with
 * the default prefix (`auth:`), and stay within 30 for any prefix of up to 6 characters.
 *
 * Hash tag: every key of one user carries `{<tag>}`, the last five hex digits of the user id (random in v4 and v7
 * UUIDs), so the guard's MGET, a logout's MULTI and the session scripts stay in one Cluster slot. Five, not four:
 * CRC16 maps the 65 536 four-digit tags to only 13 152 of the 16 384 slots; the 2^20 five-digit tags cover them all.
 * Other users share the tag, so each key also names its user, or a random token or session id of that user.
 *
 * | key | holds |
 * |---|---|
 * | `<prefix>{<tag>}j<96 bits of the jti, base64url>` | revoked access token |
 * | `<prefix>{<tag>}s<96 bits of the sid, base64url>` | revoked session |
 * | `<prefix>{<tag>}:session:<userId>:<sid>`, `:sessions:<userId>` | session, session set |
 * | `<prefix>{<tag>}:account:<userId>` | the account version of the user's last change that ended every session |
 * | `<prefix>epoch{<n>}`, `<prefix>epoch{<n>}:id` | an epoch record and its id alone (store-loss detection): `{0}`, or one per Cluster master |
 *
 * Other ids (this app issues none) still get exact, readable keys: a jti or sid that is not a lowercase UUID is kept
 * whole (`:jti:<jti>`, `:sid:<sid>`); a user id that does not end in five lowercase hex digits gets a hashed tag.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  revokedToken(userId: string, jti: string): string {
    const compact = compactTokenId(jti);
    const user = this.userPrefix(userId);
    return compact === undefined ? `${user}${KIND.longJti}${jti}` : `${user}${KIND.jti}${compact}`;
  }

  revokedSession(userId: string, sessionId: string): string {
    const compact = compactTokenId(sessionId);
    const user = this.userPrefix(userId);
    return compact === undefined ? `${user}${KIND.longSid}${sessionId}` : `${user}${KIND.sid}${compact}`;
  }

  session(userId: string, sessionId: string): string {
    return `${this.sessionPrefix(userId)}${sessionId}`;
  }

  /** Scripts that walk a user's sessions build each session key from this and the session id (same slot). */
  sessionPrefix(userId: string): string {
    return `${this.userPrefix(userId)}${KIND.session}${userId}:`;
  }

  /** Sorted set of the user's session ids, scored by the last moment an access token of each session can verify. */
  sessions(userId: string): string {
    return `${this.userPrefix(userId)}${KIND.sessions}${userId}`;
  }

  /** The account version of the user's last change that ended every session (see SessionStore.open). */
  accountMark(userId: string): string {
    return `${this.userPrefix(userId)}${KIND.account}${userId}`;
  }

  /** Epoch record `tag`: its own hash tag, so that on a Cluster each master can be given one (see RedisStoreEpoch). */
  epochRecord(tag: number): string {
    return `${this.epochRecords()}${tag}}`;
  }

  /** What every epoch record's key starts with. */
  epochRecords(): string {
    return `${this.prefix}${EPOCH}{`;
  }

  /** The id of epoch record `tag` as a plain string, so that the guard's MGET can read it along with its keys. */
  epochId(tag: number): string {
    return `${this.epochRecord(tag)}:id`;
  }

  /** What a key under this prefix holds, read back from the layout above (the CLI's `stats`); undefined: not ours. */
  kindOf(key: string): RedisKeyKind | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    const rest = key.slice(this.prefix.length);
    if (rest.startsWith(`${EPOCH}{`)) return /^\d+\}$/.test(rest.slice(EPOCH.length + 1)) ? 'epoch record' : undefined;
    const tagEnd = rest.indexOf('}');
    if (!rest.startsWith('{') || tagEnd < 0) return undefined;
    const kind = rest.slice(tagEnd + 1);
    if (kind.startsWith(KIND.jti) || kind.startsWith(KIND.longJti)) return 'revoked token';
    if (kind.startsWith(KIND.sid) || kind.startsWith(KIND.longSid)) return 'revoked session';
    if (kind.startsWith(KIND.session)) return 'session';
    if (kind.startsWith(KIND.sessions)) return 'session set';
    if (kind.startsWith(KIND.account)) return 'account mark';
    return undefined;
  }

  private userPrefix(userId: string): string {
    return `${this.prefix}{${hasHexTag(userId) ? userId.slice(-TAG_LENGTH) : hashTag(userId)}}`;
  }
}

export type RedisKeyKind =
  'revoked token' | 'revoked session' | 'session' | 'session set' | 'account mark' | 'epoch record';

/** What follows a user's hash tag in each kind of key: the one place the layout's markers are spelled. */
const KIND = {
  jti: 'j',
  sid: 's',
  longJti: ':jti:',
  longSid: ':sid:',
  session: ':session:',
  sessions: ':sessions:',
  account: ':account:',
} as const;
const EPOCH = 'epoch';
const TAG_LENGTH = 5;
const DASH = 0x2d;
const BASE64URL = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (char) =>
  char.charCodeAt(0),
);
// Positions, in `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`, of 24 hex digits that are random in a v4 UUID (the version
// and variant digits are not).
const RANDOM_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
// Reused: keys are built synchronously, one at a time, so the guard's MGET allocates only the strings it sends.
const encoded: number[] = new Array<number>(16).fill(0);

/**
 * base64url of 96 random bits of a UUID (16 characters), or undefined when the id is not a lowercase UUID.
 * Truncation can make two ids share a key. That can only refuse a token (a false revocation), never accept one, and
 * ids are random, never chosen by a client: the odds are 2^-96 per pair of ids under one tag.
 */
function compactTokenId(id: string): string | undefined {
  if (id.length !== 36) return undefined;
  if (id.charCodeAt(8) !== DASH || id.charCodeAt(13) !== DASH || id.charCodeAt(18) !== DASH) return undefined;
  if (id.charCodeAt(23) !== DASH) return undefined;
  for (let digit = 0, char = 0; digit < RANDOM_DIGITS.length; digit += 3) {
    const bits =
      (hexValue(id, RANDOM_DIGITS[digit]) << 8) |
      (hexValue(id, RANDOM_DIGITS[digit + 1]) << 4) |
      hexValue(id, RANDOM_DIGITS[digit + 2]);
    if (bits < 0) return undefined;
    encoded[char++] = BASE64URL[bits >> 6];
    encoded[char++] = BASE64URL[bits & 63];
  }
  return String.fromCharCode.apply(null, encoded);
}

/** Ids ending in five lowercase hex digits (every UUID this app issues) use them as their tag. */
function hasHexTag(userId: string): boolean {
  if (userId.length < TAG_LENGTH) return false;
  for (let index = userId.length - TAG_LENGTH; index < userId.length; index += 1) {
    if (hexValue(userId, index) < 0) return false;
  }
  return true;
}

/** A lowercase hex digit's value; negative (and so negative once shifted and or-ed) for anything else. */
function hexValue(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -0x10000;
}

/** Five hex digits of FNV-1a, for ids without a hex tail: spread over the slots, free of braces. */
function hashTag(id: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  return ((hash ^ (hash >>> 12)) & 0xfffff).toString(16).padStart(TAG_LENGTH, '0');
}
