import { Inject } from '@nestjs/common';
import type { User } from './user.js';

export interface UsersRepository {
  /** Stores a new user; false (and nothing written) when the email is already taken. */
  create(user: User): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  /** Replaces the password hash of an existing user; false when there is no such user. */
  updatePasswordHash(id: string, passwordHash: string): Promise<boolean>;
  findByEmail(email: string): Promise<User | undefined>;
}

export const UsersRepository = Symbol('UsersRepository');
export const InjectUsersRepository = () => Inject(UsersRepository);
