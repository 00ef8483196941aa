import { createHash, randomBytes } from 'node:crypto';
import { SeenTokens } from './seen-tokens.js';

/** A token's shape as far as the fingerprint goes: header and payload, then a random HS256 signature segment. */
function token(): string {
  return `eyJhbGciOiJIUzI1NiJ9.e30.${randomBytes(32).toString('base64url')}`;
}

/** The same, with the signature derived from `index`: the same tokens on every run. */
function tokenNumber(index: number): string {
  return `eyJhbGciOiJIUzI1NiJ9.e30.${createHash('sha256').update(String(index)).digest('base64url')}`;
}

describe('SeenTokens', () => {
  it('tells a token seen before from one seen for the first time', () => {
    const seen = new SeenTokens();
    const first = token();
    expect([seen.seenBefore(first), seen.seenBefore(first), seen.seenBefore(first)]).toEqual([false, true, true]);
  });

  it('takes 20 000 distinct tokens each as new, and knows most of them the second time', () => {
    const seen = new SeenTokens();
    // The same tokens every run: two tokens of one slot share its 16 bits, so about one run in 25 of random ones
    // would meet a pair that also shares the other 16 (which only caches a token one request early).
    const tokens = Array.from({ length: 20_000 }, (_, index) => tokenNumber(index));
    expect(tokens.filter((each) => seen.seenBefore(each)).length).toBe(0);
    // Each of the 20 000 other sightings since takes a token's slot with a chance of 1 in 65 536: about
    // e^(-20 000 / 65 536) ≈ 74 % are still known (an even hash; a skewed one keeps far fewer).
    expect(tokens.filter((each) => seen.seenBefore(each)).length).toBeGreaterThan(14_000);
  });

  it('tells apart tokens that differ in one signature character', () => {
    const seen = new SeenTokens();
    const original = token();
    seen.seenBefore(original);
    const last = original.length - 2;
    const altered = `${original.slice(0, last)}${original[last] === 'A' ? 'B' : 'A'}${original.slice(last + 1)}`;
    expect(seen.seenBefore(altered)).toBe(false);
  });
});
