import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

const UUID_BYTES = 16;
const GENERATION_BYTES = 4;
const RANDOM_BYTES = 32; // 256 secret bits
const MAC_BYTES = 16;
const BODY_BYTES = 2 * UUID_BYTES + GENERATION_BYTES + RANDOM_BYTES;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;

/** What a refresh token names: the session it belongs to and its place in that session's rotation chain. */
export interface RefreshTokenParts {
  userId: string;
  sessionId: string;
  generation: number;
}

export interface EncodedRefreshToken {
  token: string;
  /** The only form the store keeps: SHA-256 of the token. */
  hash: string;
}

/**
 * Opaque refresh tokens: user id, session id, rotation generation and 256 secret bits, authenticated by an HMAC.
 * The MAC lets the server recognise an old token of a session it issued (reuse = theft) while the store keeps only
 * the hash of the current one; the user and session ids route the token to its user's Redis slot.
 *
 * A session's first token has random secret bits; each later one's are derived from the token it replaces
 * (HMAC under a key of its own), so the successor of a token is the same whenever it is asked for. That is what
 * lets a client whose refresh answer was lost, or a second tab, get the very same successor again within the
 * reuse grace window, while the store keeps nothing but hashes.
 */
export class RefreshTokenCodec {
  private readonly macKey: Buffer;
  private readonly successorKey: Buffer;

  constructor(signingKey: KeyObject) {
    this.macKey = Buffer.from(hkdfSync('sha256', signingKey, Buffer.alloc(0), 'refresh-token-mac', 32));
    this.successorKey = Buffer.from(hkdfSync('sha256', signingKey, Buffer.alloc(0), 'refresh-token-successor', 32));
  }

  /** A session's first refresh token (generation 0). */
  issue(parts: RefreshTokenParts): EncodedRefreshToken {
    return this.encode(parts, randomBytes(RANDOM_BYTES));
  }

  /** The token that replaces `token` (already read as `parts`) on rotation: always the same one. */
  successor(token: string, parts: RefreshTokenParts): EncodedRefreshToken {
    const secret = createHmac('sha256', this.successorKey).update(token).digest();
    return this.encode({ ...parts, generation: parts.generation + 1 }, secret);
  }

  /** The parts of a token this server issued, or undefined for anything else (wrong size, forged, tampered). */
  read(token: string): RefreshTokenParts | undefined {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return undefined;
    const body = bytes.subarray(0, BODY_BYTES);
    if (!timingSafeEqual(this.mac(body), bytes.subarray(BODY_BYTES))) return undefined;
    return {
      userId: bytesToUuid(body.subarray(0, UUID_BYTES)),
      sessionId: bytesToUuid(body.subarray(UUID_BYTES, 2 * UUID_BYTES)),
      generation: body.readUInt32BE(2 * UUID_BYTES),
    };
  }

  private encode(parts: RefreshTokenParts, secret: Buffer): EncodedRefreshToken {
    const body = Buffer.alloc(BODY_BYTES);
    uuidToBytes(parts.userId).copy(body, 0);
    uuidToBytes(parts.sessionId).copy(body, UUID_BYTES);
    body.writeUInt32BE(parts.generation, 2 * UUID_BYTES);
    secret.copy(body, 2 * UUID_BYTES + GENERATION_BYTES, 0, RANDOM_BYTES);
    const token = Buffer.concat([body, this.mac(body)]).toString('base64url');
    return { token, hash: RefreshTokenCodec.hash(token) };
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(body).digest().subarray(0, MAC_BYTES);
  }
}

function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
