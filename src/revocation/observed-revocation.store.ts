import { performance } from 'node:perf_hooks';
import type { FactoryProvider } from '@nestjs/common';
import { RevocationObserver } from './revocation-observer.js';
import { RevocationStore, type TokenIdentity } from './revocation-store.js';

/**
 * The adapter the store is bound to (Redis or in-memory), as its own provider so that Nest runs its lifecycle hooks
 * (the Redis store's mirror and connections). `RevocationStore` is this adapter seen through ObservedRevocationStore.
 */
export const RevocationStoreAdapter = Symbol('RevocationStoreAdapter');

const UNOBSERVED: RevocationObserver = { checked: () => undefined, revoked: () => undefined };

/** Passes every call to the adapter; tells the observer each check's result and duration (an answer from memory too). */
export class ObservedRevocationStore implements RevocationStore {
  constructor(
    private readonly store: RevocationStore,
    private readonly observer: RevocationObserver,
  ) {}

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    const startedAt = performance.now();
    try {
      const revoked = await this.store.isRevoked(token);
      this.observer.checked(revoked ? 'revoked' : 'allowed', secondsSince(startedAt));
      return revoked;
    } catch (error) {
      this.observer.checked('store_error', secondsSince(startedAt));
      throw error;
    }
  }

  answerFromMemory(token: TokenIdentity): boolean | undefined {
    const startedAt = performance.now();
    const known = this.store.answerFromMemory(token);
    if (known !== undefined) this.observer.checked(known ? 'revoked' : 'allowed', secondsSince(startedAt));
    return known;
  }

  settle(): Promise<void> {
    return this.store.settle();
  }
}

/** `RevocationStore`: the adapter, observed by whoever provides a RevocationObserver (none: nobody is told). */
export const observedRevocationStoreProvider: FactoryProvider<RevocationStore> = {
  provide: RevocationStore,
  inject: [RevocationStoreAdapter, { token: RevocationObserver, optional: true }],
  useFactory: (adapter: RevocationStore, observer?: RevocationObserver) =>
    new ObservedRevocationStore(adapter, observer ?? UNOBSERVED),
};

function secondsSince(startedAtMs: number): number {
  return (performance.now() - startedAtMs) / 1000;
}
