import { randomUUID } from 'node:crypto';
import { InMemoryStoreEpoch } from '../epoch/in-memory-store-epoch.js';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { ObservedRevocationStore } from './observed-revocation.store.js';
import type { RevocationCheckResult, RevocationObserver } from './revocation-observer.js';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';

class RecordingObserver implements RevocationObserver {
  readonly checks: { result: RevocationCheckResult; seconds: number }[] = [];

  checked(result: RevocationCheckResult, seconds: number): void {
    this.checks.push({ result, seconds });
  }

  revoked(): void {}
}

describe('ObservedRevocationStore', () => {
  const epoch = new InMemoryStoreEpoch();
  let observer: RecordingObserver;
  let adapter: InMemoryRevocationStore;
  let store: ObservedRevocationStore;

  const token = (): TokenIdentity => ({
    userId: randomUUID(),
    jti: randomUUID(),
    sessionId: randomUUID(),
    epoch: epoch.confirmed,
  });

  beforeEach(() => {
    observer = new RecordingObserver();
    adapter = new InMemoryRevocationStore(epoch);
    store = new ObservedRevocationStore(adapter, observer);
  });

  it('answers as the adapter does, and reports each check as allowed or revoked, with the time it took', async () => {
    const identity = token();
    expect(await store.isRevoked(identity)).toBe(false);
    adapter.revokeToken(identity.jti, Date.now() + 60_000);
    expect(await store.isRevoked(identity)).toBe(true);

    expect(observer.checks.map((check) => check.result)).toEqual(['allowed', 'revoked']);
    for (const { seconds } of observer.checks) expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('reports an answer from memory as a check too, and an unknown one (left to isRevoked) not at all', () => {
    const identity = token();
    expect(store.answerFromMemory(identity)).toBe(false);
    adapter.revokeSession(identity.sessionId, Date.now() + 60_000);
    expect(store.answerFromMemory(identity)).toBe(true);
    const unknowing = { answerFromMemory: () => undefined } as unknown as RevocationStore;
    expect(new ObservedRevocationStore(unknowing, observer).answerFromMemory(identity)).toBeUndefined();

    expect(observer.checks.map((check) => check.result)).toEqual(['allowed', 'revoked']);
  });

  it('reports a check the store could not answer as store_error, and still fails it', async () => {
    const failure = new Error('store down');
    const failing = { isRevoked: () => Promise.reject(failure) } as unknown as RevocationStore;
    const observed = new ObservedRevocationStore(failing, observer);

    await expect(observed.isRevoked(token())).rejects.toBe(failure);
    expect(observer.checks.map((check) => check.result)).toEqual(['store_error']);
  });

  it("waits for the adapter's settle", async () => {
    const settle = jest.fn(() => Promise.resolve());
    await new ObservedRevocationStore({ isRevoked: jest.fn(), answerFromMemory: jest.fn(), settle }, observer).settle();
    expect(settle).toHaveBeenCalledTimes(1);
  });
});
