import { randomUUID } from 'node:crypto';
import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { ObservedRevocationStore } from './observed-revocation.store.js';
import type { RevocationCheckResult, RevocationKind, RevocationObserver } from './revocation-observer.js';
import type { RevocationStore, TokenIdentity } from './revocation-store.js';
import { describeRevocationStoreContract } from './testing/revocation-store.contract.js';

class RecordingObserver implements RevocationObserver {
  readonly checks: { result: RevocationCheckResult; seconds: number }[] = [];
  readonly revocations: RevocationKind[] = [];

  checked(result: RevocationCheckResult, seconds: number): void {
    this.checks.push({ result, seconds });
  }

  revoked(kind: RevocationKind): void {
    this.revocations.push(kind);
  }
}

const token = (): TokenIdentity => ({
  userId: randomUUID(),
  jti: randomUUID(),
  sessionId: randomUUID(),
  issuedAtMs: Date.now(),
});
const inAMinute = () => Date.now() + 60_000;

describeRevocationStoreContract(
  'ObservedRevocationStore',
  () => new ObservedRevocationStore(new InMemoryRevocationStore(), new RecordingObserver()),
);

describe('ObservedRevocationStore', () => {
  let observer: RecordingObserver;
  let store: ObservedRevocationStore;

  beforeEach(() => {
    observer = new RecordingObserver();
    store = new ObservedRevocationStore(new InMemoryRevocationStore(), observer);
  });

  it('reports each check as allowed or revoked, with the time it took', async () => {
    const identity = token();
    await store.isRevoked(identity);
    await store.revokeTokenAndSession(identity, inAMinute(), inAMinute());
    await store.isRevoked(identity);

    expect(observer.checks.map((check) => check.result)).toEqual(['allowed', 'revoked']);
    for (const { seconds } of observer.checks) expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('reports a check the store could not answer as store_error, and still fails it', async () => {
    const failure = new Error('store down');
    const failing = { isRevoked: () => Promise.reject(failure) } as unknown as RevocationStore;
    const observed = new ObservedRevocationStore(failing, observer);

    await expect(observed.isRevoked(token())).rejects.toBe(failure);
    expect(observer.checks.map((check) => check.result)).toEqual(['store_error']);
  });

  it('reports each entry written by kind, once the store has written it', async () => {
    const identity = token();
    await store.revokeTokenAndSession(identity, inAMinute(), inAMinute());
    await store.revokeSession(identity.userId, randomUUID(), inAMinute());
    await store.revokeUserTokensIssuedBefore(identity.userId, Date.now(), inAMinute());

    expect(observer.revocations).toEqual(['token', 'session', 'session', 'user']);
  });

  it('reports nothing written when the write fails', async () => {
    const failing = {
      revokeSession: () => Promise.reject(new Error('store down')),
    } as unknown as RevocationStore;
    const observed = new ObservedRevocationStore(failing, observer);

    await expect(observed.revokeSession(randomUUID(), randomUUID(), inAMinute())).rejects.toThrow('store down');
    expect(observer.revocations).toEqual([]);
  });
});
