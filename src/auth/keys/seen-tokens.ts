/** Slots in the table: 256 KiB, and at 16 000 new tokens a second about 4 s before a slot is taken again. */
const SLOTS = 1 << 16;
/** The signature characters fingerprinted: the last one is left out, as it carries only a few bits in base64url. */
const FINGERPRINT_CHARS = 6;

/**
 * Which tokens were verified before, so that the verified-token cache takes a token on its second request, not its
 * first. A client sends its token on every request of the token's lifetime, so it pays one more verify; a stream of
 * tokens each sent once (a crawler, replayed logs, the bench's distinct tokens) costs the cache no insertion, no
 * eviction and no garbage that outlives its request (measured: docs/performance.md).
 *
 * Each token leaves a 32-bit fingerprint of its signature's last characters in a fixed table: no object per token.
 * A fingerprint is no credential: this only decides whether verified claims are remembered, keyed by the whole token.
 * A slot that another token took meanwhile costs one more verify; two tokens with one fingerprint, one early insert.
 */
export class SeenTokens {
  private readonly fingerprints = new Int32Array(SLOTS);

  /** Whether `token` was seen before (and from now on, that it has been). */
  seenBefore(token: string): boolean {
    const fingerprint = fingerprintOf(token);
    const slot = (fingerprint ^ (fingerprint >>> 16)) & (SLOTS - 1);
    if (this.fingerprints[slot] === fingerprint) return true;
    this.fingerprints[slot] = fingerprint;
    return false;
  }
}

function fingerprintOf(token: string): number {
  let hash = 0;
  for (let at = token.length - 1 - FINGERPRINT_CHARS; at < token.length - 1; at += 1) {
    hash = Math.imul(hash, 31) + token.charCodeAt(at);
  }
  // Never 0, the value of an empty slot.
  return hash === 0 ? 1 : hash | 0;
}
