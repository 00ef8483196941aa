import { newEpochId, type StoreEpoch } from './store-epoch.js';

/**
 * The embedded store lives and dies with this process, so its epoch does too: a restart forgets every revocation,
 * and with this fresh epoch it also refuses every token and session minted before it.
 */
export class InMemoryStoreEpoch implements StoreEpoch {
  readonly confirmed = newEpochId();

  current(): Promise<string> {
    return Promise.resolve(this.confirmed);
  }

  /** Nothing outside this process can change its store. */
  suspect(): void {}
}
