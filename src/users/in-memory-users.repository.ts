import type { User, UserChanges } from './user.js';
import type { UsersRepository } from './users-repository.js';

export class InMemoryUsersRepository implements UsersRepository {
  private readonly byId = new Map<string, User>();
  private readonly idByEmail = new Map<string, string>();

  create(user: User): Promise<boolean> {
    if (this.idByEmail.has(user.email)) return Promise.resolve(false);
    this.idByEmail.set(user.email, user.id);
    this.byId.set(user.id, copy(user));
    return Promise.resolve(true);
  }

  findById(id: string): Promise<User | undefined> {
    const user = this.byId.get(id);
    return Promise.resolve(user && copy(user));
  }

  findByEmail(email: string): Promise<User | undefined> {
    const id = this.idByEmail.get(email);
    return this.findById(id ?? '');
  }

  update(id: string, changes: UserChanges): Promise<boolean> {
    const user = this.byId.get(id);
    if (user) this.byId.set(id, copy({ ...user, ...changes }));
    return Promise.resolve(user !== undefined);
  }

  replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (user?.passwordHash !== expected) return Promise.resolve(false);
    this.byId.set(id, copy({ ...user, passwordHash: next }));
    return Promise.resolve(true);
  }

  delete(id: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(false);
    this.byId.delete(id);
    this.idByEmail.delete(user.email);
    return Promise.resolve(true);
  }
}

function copy(user: User): User {
  return { ...user, roles: [...user.roles] };
}
