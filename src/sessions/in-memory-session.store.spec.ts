import { InMemoryRevocationStore } from '../revocation/in-memory-revocation.store.js';
import { InMemorySessionStore } from './in-memory-session.store.js';
import { describeSessionStoreContract } from './testing/session-store.contract.js';

describeSessionStoreContract('InMemorySessionStore', () => {
  const revocations = new InMemoryRevocationStore();
  return { sessions: new InMemorySessionStore(revocations), revocations };
});
