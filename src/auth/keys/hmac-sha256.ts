import { createHmac, hash, type KeyObject } from 'node:crypto';

/** SHA-256's block size: an HMAC key is padded (or first hashed) to it. */
const BLOCK = 64;
/** The longest message signed from the pads' buffer; a longer one (never one of ours) goes to createHmac. */
const MAX_MESSAGE_BYTES = 8 * 1024;

/**
 * HMAC-SHA256 (RFC 2104) of a string as two one-shot SHA-256 digests over the key's pads, computed once: the same
 * bytes as `createHmac('sha256', key).update(message).digest('base64url')`, with no Hmac object per call. Node's
 * Hmac is a native object set up per message (an OpenSSL context and the key's pads each time): on a token's first
 * request it was the verify's largest cost in the server's profile (docs/performance.md, "Since that run"), and
 * this is ~1.1 µs against ~2.0 µs in a micro-benchmark. The digests are OpenSSL's; only the RFC's two-line
 * construction is written here, and hmac-sha256.spec.ts holds it to RFC 4231's vectors and to createHmac.
 */
export function hmacSha256Base64url(key: KeyObject): (message: string) => string {
  const exported = key.export();
  const secret = exported.length > BLOCK ? hash('sha256', exported, 'buffer') : exported;
  // Reused by every call: it is synchronous, so no two calls share them at once.
  const inner = Buffer.alloc(BLOCK + MAX_MESSAGE_BYTES);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let at = 0; at < BLOCK; at += 1) {
    inner[at] = (secret[at] ?? 0) ^ 0x36;
    outer[at] = (secret[at] ?? 0) ^ 0x5c;
  }
  return (message) => {
    const written = inner.write(message, BLOCK, 'utf8');
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a longer message can have been cut short (write never splits a
    // character, so it can stop a few bytes before the end).
    if (message.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(message, 'utf8') !== written) {
      return createHmac('sha256', key).update(message).digest('base64url');
    }
    // The inner digest as 32 'binary' (latin1) characters: one byte each, written back as those bytes.
    outer.write(hash('sha256', inner.subarray(0, BLOCK + written), 'binary'), BLOCK, 'binary');
    return hash('sha256', outer, 'base64url');
  };
}
