import type { RedisClient } from '../redis/redis-client.js';
import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import type { User } from './user.js';
import type { UsersRepository } from './users-repository.js';

/** One JSON string per user (`<prefix>{<id>}:user`) and a unique email index (`<prefix>email:<email>` → id). */
export class RedisUsersRepository implements UsersRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  create(user: User): Promise<boolean> {
    return storeCall(async () => {
      // The index lives in another slot than the record, so claim the email first (NX) and undo it on failure.
      const emailKey = this.keys.userIdByEmail(user.email);
      const claimed = await this.redis.set(emailKey, user.id, 'NX');
      if (claimed === null) return false;
      try {
        await this.redis.set(this.keys.user(user.id), JSON.stringify(user));
      } catch (error) {
        await this.redis.del(emailKey).catch(() => undefined);
        throw error;
      }
      return true;
    });
  }

  findById(id: string): Promise<User | undefined> {
    return storeCall(async () => parseUser(await this.redis.get(this.keys.user(id))));
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return storeCall(async () => {
      const user = parseUser(await this.redis.get(this.keys.user(id)));
      if (!user) return false;
      // XX: never recreate a record deleted in between.
      const updated = await this.redis.set(this.keys.user(id), JSON.stringify({ ...user, passwordHash }), 'XX');
      return updated !== null;
    });
  }

  findByEmail(email: string): Promise<User | undefined> {
    return storeCall(async () => {
      const id = await this.redis.get(this.keys.userIdByEmail(email));
      return id === null ? undefined : parseUser(await this.redis.get(this.keys.user(id)));
    });
  }
}

function parseUser(json: string | null): User | undefined {
  return json === null ? undefined : (JSON.parse(json) as User);
}
