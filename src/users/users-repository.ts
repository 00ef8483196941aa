import { Inject } from '@nestjs/common';
import type { User } from './user.js';

export interface UsersRepository {
  /** Stores a new user; false (and nothing written) when the email is already taken. */
  create(user: User): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
}

export const UsersRepository = Symbol('UsersRepository');
export const InjectUsersRepository = () => Inject(UsersRepository);
