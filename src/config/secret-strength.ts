import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_SECRET_LENGTH = 32;

/** HS256 keys: a key shorter than the hash output (256 bits) weakens the MAC (RFC 7518 §3.2). */
export const SIGNING_SECRET_BITS = 256;
/** Secrets that are only compared (bearer tokens, client secrets): 128 bits, like any unguessable token. */
export const BEARER_SECRET_BITS = 128;

/**
 * Random keys hold short runs, sequences and words by chance, which the estimate prices as patterns; a secret may
 * fall this far below its bar once they are priced (its capacity may not). Of 100 000 random 32-byte keys in each
 * of hex, base64 and base64url, none lost more than 23 bits.
 */
const CHANCE_ALLOWANCE_BITS = 32;

// Words that only appear in secrets copied from examples and tutorials.
const PLACEHOLDER_WORDS = ['change', 'replace', 'example', 'placeholder', 'secret', 'default'];

// Shorter runs, sequences and repeats are too common in random keys to tell anything.
const MIN_RUN = 5;
const MIN_REPEAT = 6;
const MAX_REPEAT = 256;
const MIN_WORD = 4;
const MAX_WORD = 20;

/**
 * Why a secret must be refused, or undefined when it is acceptable: it must be at least 32 characters, no
 * placeholder, and hold about `minimumBits` of entropy by {@link estimateSecretBits}.
 */
export function weakSecretReason(secret: string | undefined, minimumBits = BEARER_SECRET_BITS): string | undefined {
  if (!secret) return 'is not set';
  if (secret.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  const lower = secret.toLowerCase();
  if (PLACEHOLDER_WORDS.some((word) => lower.includes(word))) return 'looks like a placeholder';
  if (new Set(secret).size < 10) return 'has too few distinct characters';
  const { capacityBits, estimatedBits } = estimateSecretBits(secret);
  if (capacityBits < minimumBits || estimatedBits < minimumBits - CHANCE_ALLOWANCE_BITS) {
    return `holds about ${Math.floor(estimatedBits)} bits of entropy, under the ${minimumBits} it needs`;
  }
  return undefined;
}

export interface SecretEstimate {
  /** Length times the bits per character of the alphabet it is drawn from: what a random draw would hold. */
  capacityBits: number;
  /** The same once runs, sequences, repeats and dictionary words are priced as the patterns they are. */
  estimatedBits: number;
}

/**
 * An estimate of the entropy of a secret, for refusing the ones a person made up. The alphabet is the smallest
 * usual one that holds every character (digits, hex, letters of one case, base64 or base64url, printable ASCII),
 * so `openssl rand -hex 32` gets 4 bits a character and `-base64 32` 6 (its `=` padding counts for nothing).
 * The string is then read left to right, each step taking the cheapest of: one character at the alphabet's width;
 * a run or sequence (`aaaaa`, `12345`, `zyxwv`); a repeat of a substring seen before; a dictionary word (the
 * common-password and diceware lists: lower case, Capitalised or UPPER), a whole space-separated word at any length
 * (with its space).
 */
export function estimateSecretBits(secret: string): SecretEstimate {
  const text = secret.replace(/^([A-Za-z0-9+/_-]+)={1,2}$/, '$1');
  const charBits = Math.log2(alphabetSize(text));
  let estimatedBits = 0;
  for (let index = 0; index < text.length;) {
    let best = { length: 1, bits: charBits };
    for (const candidate of [runAt(text, index, charBits), repeatAt(text, index), wordAt(text, index)]) {
      if (candidate && candidate.length * charBits - candidate.bits > best.length * charBits - best.bits) {
        best = candidate;
      }
    }
    estimatedBits += best.bits;
    index += best.length;
  }
  return { capacityBits: text.length * charBits, estimatedBits };
}

interface Pattern {
  length: number;
  bits: number;
}

function alphabetSize(text: string): number {
  if (/^[0-9]+$/.test(text)) return 10;
  if (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text)) return 16;
  const lower = /[a-z]/.test(text);
  const upper = /[A-Z]/.test(text);
  const others = text.replace(/[A-Za-z0-9]/g, '');
  const base64Symbols = /^[-_]*$/.test(others) || /^[+/]*$/.test(others);
  // Both cases and nothing outside base64: what base64 and base64url encoders write.
  if (lower && upper && base64Symbols) return 64;
  let size = (lower ? 26 : 0) + (upper ? 26 : 0) + (/[0-9]/.test(text) ? 10 : 0);
  if (others.length > 0) size += base64Symbols ? 2 : 33;
  if (/[^\x20-\x7e]/.test(text)) size += 64;
  return size;
}

/** The same character again and again, or a step of one up or down (`abcde`, `98765`): its first, its length. */
function runAt(text: string, index: number, charBits: number): Pattern | undefined {
  let best: Pattern | undefined;
  for (const step of [0, 1, -1]) {
    let end = index + 1;
    while (end < text.length && text.charCodeAt(end) - text.charCodeAt(end - 1) === step) end += 1;
    const length = end - index;
    // The first character, the length, and (for a sequence) its direction.
    const bits = charBits + Math.log2(length) + (step === 0 ? 0 : 1);
    if (length >= MIN_RUN && (!best || length > best.length)) best = { length, bits };
  }
  return best;
}

/** The longest substring starting here that appeared before: priced as where it was and how long it is. */
function repeatAt(text: string, index: number): Pattern | undefined {
  for (let length = Math.min(MAX_REPEAT, text.length - index); length >= MIN_REPEAT; length -= 1) {
    const earlier = text.indexOf(text.slice(index, index + length));
    if (earlier >= 0 && earlier < index) return { length, bits: Math.log2(index) + Math.log2(length) };
  }
  return undefined;
}

function wordAt(text: string, index: number): Pattern | undefined {
  const startsToken = index === 0 || text[index - 1] === ' ';
  for (let length = Math.min(MAX_WORD, text.length - index); length >= 1; length -= 1) {
    const wholeToken = startsToken && (index + length === text.length || text[index + length] === ' ');
    if (length < MIN_WORD && !wholeToken) continue;
    const written = text.slice(index, index + length);
    const word = written.toLowerCase();
    const capitalised = word.charAt(0).toUpperCase() + word.slice(1);
    const caseBits = written === word ? 0 : written === word.toUpperCase() || written === capitalised ? 1 : -1;
    if (caseBits < 0 || !dictionaryWords().has(word)) continue;
    // The space after a whole word is what a passphrase is written with: it tells nothing more.
    const spaced = wholeToken && text[index + length] === ' ' ? 1 : 0;
    return { length: length + spaced, bits: wordBits() + caseBits };
  }
  return undefined;
}

let words: Set<string> | undefined;

/** Every all-letter entry of the common-password and diceware lists, lower-cased; loaded on first use. */
function dictionaryWords(): Set<string> {
  words ??= new Set(
    [...dictionary['passwords-common'], ...dictionary['diceware-common']]
      .map((entry) => entry.toLowerCase())
      .filter((entry) => /^[a-z]+$/.test(entry)),
  );
  return words;
}

/** A word costs the bits that pick it from the list. */
function wordBits(): number {
  return Math.log2(dictionaryWords().size);
}
