import { storeCall } from '../common/errors/store-unavailable.error.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { USER_ROLE, type User, type UserChanges } from './user.js';
import type { UsersRepository } from './users-repository.js';

// Merges the JSON object ARGV[1] into the stored record, in one step; ARGV[2], when given, is the password hash the
// record must still hold. Returns 1 when applied.
const UPDATE_USER = `
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local user = cjson.decode(stored)
if ARGV[2] ~= '' and user.passwordHash ~= ARGV[2] then return 0 end
for field, value in pairs(cjson.decode(ARGV[1])) do user[field] = value end
redis.call('SET', KEYS[1], cjson.encode(user))
return 1
`;

type UpdateScript = (key: string, changes: string, expectedHash: string) => Promise<number>;

/**
 * One JSON string per user (`<prefix>{<tag>}:user:<id>`) and a unique email index (`<prefix>email:<email>` → id).
 * Changes merge into the record inside Redis (one script), so concurrent changes of different fields all stay.
 */
export class RedisUsersRepository implements UsersRepository {
  private readonly updateScript: UpdateScript;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('userUpdate', { numberOfKeys: 1, lua: UPDATE_USER });
    this.updateScript = (redis as unknown as { userUpdate: UpdateScript }).userUpdate.bind(redis);
  }

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

  findByEmail(email: string): Promise<User | undefined> {
    return storeCall(async () => {
      const id = await this.redis.get(this.keys.userIdByEmail(email));
      return id === null ? undefined : parseUser(await this.redis.get(this.keys.user(id)));
    });
  }

  update(id: string, changes: UserChanges): Promise<boolean> {
    return storeCall(async () => (await this.updateScript(this.keys.user(id), JSON.stringify(changes), '')) === 1);
  }

  replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    return storeCall(
      async () => (await this.updateScript(this.keys.user(id), JSON.stringify({ passwordHash: next }), expected)) === 1,
    );
  }

  delete(id: string): Promise<boolean> {
    return storeCall(async () => {
      const user = parseUser(await this.redis.get(this.keys.user(id)));
      if (!user) return false;
      await this.redis.del(this.keys.user(id));
      // Free the email only if it still points at this user.
      const emailKey = this.keys.userIdByEmail(user.email);
      if ((await this.redis.get(emailKey)) === id) await this.redis.del(emailKey);
      return true;
    });
  }
}

/** Records written before roles and the disabled flag existed read as plain, enabled users. */
function parseUser(json: string | null): User | undefined {
  if (json === null) return undefined;
  return { roles: [USER_ROLE], disabled: false, ...(JSON.parse(json) as Partial<User>) } as User;
}
