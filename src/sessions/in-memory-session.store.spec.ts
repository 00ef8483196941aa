import { InMemoryStoreEpoch } from '../epoch/in-memory-store-epoch.js';
import { InMemoryRevocationStore } from '../revocation/in-memory-revocation.store.js';
import { InMemorySessionStore } from './in-memory-session.store.js';
import { describeSessionStoreContract } from './testing/session-store.contract.js';

describeSessionStoreContract('InMemorySessionStore', (terms) => {
  const epoch = new InMemoryStoreEpoch();
  const revocations = new InMemoryRevocationStore(epoch);
  return { sessions: new InMemorySessionStore(revocations, epoch, terms), revocations, epoch: epoch.confirmed };
});
