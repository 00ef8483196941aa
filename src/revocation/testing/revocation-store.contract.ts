import { randomUUID } from 'node:crypto';
import type { RevocationStore, TokenIdentity } from '../revocation-store.js';

function tokenIdentity(overrides: Partial<TokenIdentity> = {}): TokenIdentity {
  return { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID(), issuedAtMs: Date.now(), ...overrides };
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The behaviour every RevocationStore adapter must show; run once per adapter. */
export function describeRevocationStoreContract(
  name: string,
  createStore: () => RevocationStore | Promise<RevocationStore>,
) {
  describe(`${name} honours the RevocationStore contract`, () => {
    let store: RevocationStore;

    beforeEach(async () => {
      store = await createStore();
    });

    it('reports a fresh token as not revoked', async () => {
      expect(await store.isRevoked(tokenIdentity())).toBe(false);
    });

    it('reports a token revoked once it was revoked', async () => {
      const token = tokenIdentity();
      await store.revokeTokenAndSession(token, Date.now() + 60_000, Date.now() + 60_000);
      expect(await store.isRevoked(token)).toBe(true);
    });

    it('refuses every other token of a revoked session', async () => {
      const token = tokenIdentity();
      await store.revokeTokenAndSession(token, Date.now() + 60_000, Date.now() + 60_000);
      expect(await store.isRevoked(tokenIdentity({ userId: token.userId, sessionId: token.sessionId }))).toBe(true);
    });

    it("leaves the same user's other sessions alone", async () => {
      const token = tokenIdentity();
      await store.revokeTokenAndSession(token, Date.now() + 60_000, Date.now() + 60_000);
      expect(await store.isRevoked(tokenIdentity({ userId: token.userId }))).toBe(false);
    });

    it('forgets a revoked token once its expiry has passed', async () => {
      const token = tokenIdentity();
      await store.revokeTokenAndSession(token, Date.now() + 150, Date.now() + 150);
      expect(await store.isRevoked(token)).toBe(true);
      await waitMs(400);
      expect(await store.isRevoked(token)).toBe(false);
    });

    it('keeps a session revoked for its longest requested lifetime', async () => {
      const first = tokenIdentity();
      const second = tokenIdentity({ userId: first.userId, sessionId: first.sessionId });
      await store.revokeTokenAndSession(first, Date.now() + 60_000, Date.now() + 60_000);
      await store.revokeTokenAndSession(second, Date.now() + 150, Date.now() + 150);
      await waitMs(400);
      expect(await store.isRevoked(tokenIdentity({ userId: first.userId, sessionId: first.sessionId }))).toBe(true);
    });

    it("refuses tokens issued at or before the user's not-before mark, including earlier in the same second", async () => {
      const userId = randomUUID();
      const mark = Date.now();
      await store.revokeUserTokensIssuedBefore(userId, mark, mark + 60_000);
      expect(await store.isRevoked(tokenIdentity({ userId, issuedAtMs: mark - 1 }))).toBe(true);
      expect(await store.isRevoked(tokenIdentity({ userId, issuedAtMs: mark }))).toBe(true);
      expect(await store.isRevoked(tokenIdentity({ userId, issuedAtMs: mark + 1 }))).toBe(false);
      expect(await store.isRevoked(tokenIdentity({ issuedAtMs: mark - 1 }))).toBe(false);
    });

    it('never moves a not-before mark backwards', async () => {
      const userId = randomUUID();
      const mark = Date.now();
      await store.revokeUserTokensIssuedBefore(userId, mark, mark + 60_000);
      await store.revokeUserTokensIssuedBefore(userId, mark - 10_000, mark + 60_000);
      expect(await store.isRevoked(tokenIdentity({ userId, issuedAtMs: mark - 1 }))).toBe(true);
    });

    it('forgets a not-before mark once it can no longer refuse a live token', async () => {
      const userId = randomUUID();
      const mark = Date.now();
      await store.revokeUserTokensIssuedBefore(userId, mark, mark + 150);
      await waitMs(400);
      expect(await store.isRevoked(tokenIdentity({ userId, issuedAtMs: mark - 1 }))).toBe(false);
    });
  });
}
