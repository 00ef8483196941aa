import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { toPublicUser, type PublicUser, type User } from './user.js';
import { InjectUsersRepository, type UsersRepository } from './users-repository.js';

@Injectable()
export class UsersService {
  constructor(@InjectUsersRepository() private readonly users: UsersRepository) {}

  /** Creates an account; 409 when the (already normalised) email is taken. */
  async create(email: string, passwordHash: string): Promise<PublicUser> {
    const user: User = { id: randomUUID(), email, passwordHash, createdAt: new Date().toISOString() };
    if (!(await this.users.create(user))) throw new ConflictException('This email is already registered');
    return toPublicUser(user);
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.users.findByEmail(email);
  }

  findById(id: string): Promise<User | undefined> {
    return this.users.findById(id);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    if (!(await this.users.updatePasswordHash(id, passwordHash))) {
      throw new NotFoundException('This account no longer exists');
    }
  }

  async getProfile(id: string): Promise<PublicUser> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('This account no longer exists');
    return toPublicUser(user);
  }
}
