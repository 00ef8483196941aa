import { randomBytes } from 'node:crypto';
import { Inject } from '@nestjs/common';

/**
 * The generation of the revocation store's data. Every access token and session carries the epoch it was minted in.
 * Once the store is found to have lost data (wiped, restarted empty, restored from an older copy), a new epoch
 * begins, and everything minted before it is refused: nothing revoked before the loss can come back.
 */
export interface StoreEpoch {
  /** The current epoch's id while it is confirmed right now, else undefined: the guard's fast path. */
  readonly confirmed: string | undefined;

  /** The current epoch's id, once confirmed; rejects with StoreUnavailableError when it cannot be in time. */
  current(): Promise<string>;

  /** The store may have lost data (a flush was reported): nothing is answered until the epoch is confirmed again. */
  suspect(): void;
}

export const StoreEpoch = Symbol('StoreEpoch');
export const InjectStoreEpoch = () => Inject(StoreEpoch);

/** Why an epoch ended (the `cause` label of `revocation_store_losses_total`). */
export type StoreLossCause = 'wiped' | 'rolled_back' | 'replaced';

/** Told about every store loss this instance detects. Optional: the metrics module provides one. */
export interface StoreLossObserver {
  storeLost(cause: StoreLossCause): void;
}

export const StoreLossObserver = Symbol('StoreLossObserver');

/** What an epoch id looks like: 96 random bits, base64url (16 characters). */
export const EPOCH_ID = /^[A-Za-z0-9_-]{16}$/;

export function newEpochId(): string {
  return randomBytes(12).toString('base64url');
}
