import { randomUUID } from 'node:crypto';
import type { User } from '../user.js';
import type { UsersRepository } from '../users-repository.js';

function newUser(overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    createdAt: new Date().toISOString(),
    roles: ['user'],
    disabled: false,
    ...overrides,
  };
}

/** The behaviour every UsersRepository adapter must show; run once per adapter. */
export function describeUsersRepositoryContract(
  name: string,
  createRepository: () => UsersRepository | Promise<UsersRepository>,
) {
  describe(`${name} honours the UsersRepository contract`, () => {
    let users: UsersRepository;

    beforeEach(async () => {
      users = await createRepository();
    });

    it('finds a created user by id and by email', async () => {
      const user = newUser();
      expect(await users.create(user)).toBe(true);
      expect(await users.findById(user.id)).toEqual(user);
      expect(await users.findByEmail(user.email)).toEqual(user);
    });

    it('refuses a second user with the same email and keeps the first', async () => {
      const first = newUser();
      const second = newUser({ email: first.email });
      await users.create(first);
      expect(await users.create(second)).toBe(false);
      expect(await users.findByEmail(first.email)).toEqual(first);
      expect(await users.findById(second.id)).toBeUndefined();
    });

    it('updates the password hash, roles and disabled flag of an existing user only', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.update(user.id, { passwordHash: 'new-hash' })).toBe(true);
      expect(await users.update(user.id, { roles: ['user', 'admin'], disabled: true })).toBe(true);
      expect(await users.findByEmail(user.email)).toEqual({
        ...user,
        passwordHash: 'new-hash',
        roles: ['user', 'admin'],
        disabled: true,
      });
      expect(await users.update(randomUUID(), { disabled: true })).toBe(false);
    });

    it('replaces the password hash only while the stored one is the expected one', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.replacePasswordHash(user.id, 'not-the-hash', 'other')).toBe(false);
      expect((await users.findById(user.id))?.passwordHash).toBe(user.passwordHash);
      expect(await users.replacePasswordHash(user.id, user.passwordHash, 'next')).toBe(true);
      expect(await users.replacePasswordHash(user.id, user.passwordHash, 'again')).toBe(false);
      expect(await users.findById(user.id)).toEqual({ ...user, passwordHash: 'next' });
      expect(await users.replacePasswordHash(randomUUID(), user.passwordHash, 'next')).toBe(false);
    });

    it('keeps concurrent changes of different fields: none undoes another', async () => {
      const user = newUser();
      await users.create(user);
      await Promise.all([
        users.update(user.id, { disabled: true }),
        users.update(user.id, { roles: ['user', 'admin'] }),
        users.replacePasswordHash(user.id, user.passwordHash, 'next'),
      ]);
      expect(await users.findById(user.id)).toEqual({
        ...user,
        disabled: true,
        roles: ['user', 'admin'],
        passwordHash: 'next',
      });
    });

    it('hands out copies: changing a returned user changes nothing stored', async () => {
      const user = newUser();
      await users.create(user);
      const found = (await users.findById(user.id)) as User;
      found.roles.push('admin');
      expect((await users.findById(user.id))?.roles).toEqual(['user']);
    });

    it('deletes a user and frees the email for a new account', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.delete(user.id)).toBe(true);
      expect(await users.findById(user.id)).toBeUndefined();
      expect(await users.findByEmail(user.email)).toBeUndefined();
      const successor = newUser({ email: user.email });
      expect(await users.create(successor)).toBe(true);
      expect(await users.findByEmail(user.email)).toEqual(successor);
      expect(await users.delete(user.id)).toBe(false);
    });

    it('finds nothing for an unknown id or email', async () => {
      expect(await users.findById(randomUUID())).toBeUndefined();
      expect(await users.findByEmail('nobody@example.com')).toBeUndefined();
    });
  });
}
