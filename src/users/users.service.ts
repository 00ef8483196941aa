import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { toPublicUser, USER_ROLE, type NewUser, type PublicUser, type User, type UserChanges } from './user.js';
import { InjectUsersRepository, type UsersRepository } from './users-repository.js';

// Profiles (id, email, createdAt) never change, so each instance keeps the recent ones: GET /me then costs no store
// command beyond the guard's. A deleted account cannot be served from here: its tokens are refused by the guard.
const PROFILE_CACHE_SIZE = 10_000;

@Injectable()
export class UsersService {
  private readonly profiles = new LRUCache<string, PublicUser>({ max: PROFILE_CACHE_SIZE });

  constructor(@InjectUsersRepository() private readonly users: UsersRepository) {}

  /** Creates an account; 409 when the (already normalised) email is taken. */
  async create(email: string, passwordHash: string, roles: User['roles'] = [USER_ROLE]): Promise<PublicUser> {
    const user: NewUser = {
      id: randomUUID(),
      email,
      passwordHash,
      createdAt: new Date().toISOString(),
      roles,
      disabled: false,
    };
    if (!(await this.users.create(user))) throw new ConflictException('This email is already registered');
    return toPublicUser(user);
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.users.findByEmail(email);
  }

  findById(id: string): Promise<User | undefined> {
    return this.users.findById(id);
  }

  /** The account, or 404. */
  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('No such account');
    return user;
  }

  /** The account's version after the change, or 404. */
  async update(id: string, changes: UserChanges): Promise<number> {
    const version = await this.users.update(id, changes);
    if (version === undefined) throw new NotFoundException('No such account');
    return version;
  }

  /**
   * The account's version after the change; undefined when the stored hash is no longer `expected` (another change
   * of the password came first).
   */
  replacePasswordHash(id: string, expected: string, next: string): Promise<number | undefined> {
    return this.users.replacePasswordHash(id, expected, next);
  }

  /** Removes the account if it is there (a retried deletion finds it gone). */
  async delete(id: string): Promise<void> {
    await this.users.delete(id);
    this.profiles.delete(id);
  }

  async getProfile(id: string): Promise<PublicUser> {
    const cached = this.profiles.get(id);
    if (cached) return cached;
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('This account no longer exists');
    const profile = toPublicUser(user);
    this.profiles.set(id, profile);
    return profile;
  }
}
