import type { User } from './user.js';
import type { UsersRepository } from './users-repository.js';

export class InMemoryUsersRepository implements UsersRepository {
  private readonly byId = new Map<string, User>();
  private readonly idByEmail = new Map<string, string>();

  create(user: User): Promise<boolean> {
    if (this.idByEmail.has(user.email)) return Promise.resolve(false);
    this.idByEmail.set(user.email, user.id);
    this.byId.set(user.id, { ...user });
    return Promise.resolve(true);
  }

  findById(id: string): Promise<User | undefined> {
    return Promise.resolve(copy(this.byId.get(id)));
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (user) user.passwordHash = passwordHash;
    return Promise.resolve(user !== undefined);
  }

  findByEmail(email: string): Promise<User | undefined> {
    const id = this.idByEmail.get(email);
    return Promise.resolve(id === undefined ? undefined : copy(this.byId.get(id)));
  }
}

function copy(user: User | undefined): User | undefined {
  return user && { ...user };
}
