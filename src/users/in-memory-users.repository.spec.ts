import { InMemoryUsersRepository } from './in-memory-users.repository.js';
import { describeUsersRepositoryContract } from './testing/users-repository.contract.js';

describeUsersRepositoryContract('InMemoryUsersRepository', () => new InMemoryUsersRepository());
