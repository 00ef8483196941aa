import { Inject } from '@nestjs/common';
import type { User, UserChanges } from './user.js';

export interface UsersRepository {
  /** Stores a new user; false (and nothing written) when the email is already taken. */
  create(user: User): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** Applies `changes` to an existing user; false when there is no such user. */
  update(id: string, changes: UserChanges): Promise<boolean>;
  /** Removes the user and frees the email; false when there is no such user. */
  delete(id: string): Promise<boolean>;
}

export const UsersRepository = Symbol('UsersRepository');
export const InjectUsersRepository = () => Inject(UsersRepository);
