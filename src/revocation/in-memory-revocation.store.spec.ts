import { InMemoryRevocationStore } from './in-memory-revocation.store.js';
import { describeRevocationStoreContract } from './testing/revocation-store.contract.js';

describeRevocationStoreContract('InMemoryRevocationStore', () => new InMemoryRevocationStore());
