import { Inject } from '@nestjs/common';
import type { NewUser, User, UserChanges } from './user.js';

/** Accounts. Every change is one atomic step in the store; none reads the record and writes it back. */
export interface UsersRepository {
  /** Stores a new user at version 1; false (and nothing written) when the email is already taken. */
  create(user: NewUser): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /**
   * Applies `changes` to an existing user, field by field in one step: concurrent changes of other fields are
   * kept. Every change moves `version` by one and `updatedAt` to now. The version after it; undefined when there is
   * no such user.
   */
  update(id: string, changes: UserChanges): Promise<number | undefined>;
  /**
   * Sets a new password hash only while the stored one is still `expected`: the version after it; undefined
   * otherwise (or no such user).
   */
  replacePasswordHash(id: string, expected: string, next: string): Promise<number | undefined>;
  /** Removes the user and frees the email; false when there is no such user. */
  delete(id: string): Promise<boolean>;
}

export const UsersRepository = Symbol('UsersRepository');
export const InjectUsersRepository = () => Inject(UsersRepository);
