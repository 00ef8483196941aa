import { randomUUID } from 'node:crypto';
import type { NewUser, User } from '../user.js';
import type { UsersRepository } from '../users-repository.js';

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return {
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    // Whole milliseconds: what a JavaScript date (and so every adapter) keeps.
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    roles: ['user'],
    disabled: false,
    ...overrides,
  };
}

/** The user as stored right after `create`. */
const created = (user: NewUser): User => ({ ...user, updatedAt: user.createdAt, version: 1 });

/** The user after `changes` changes: a later `updatedAt`, a higher `version`. */
const changed = (user: NewUser, version: number, changes: Partial<User> = {}) => ({
  ...user,
  ...changes,
  updatedAt: expect.not.stringMatching(`^${user.createdAt}$`) as unknown as string,
  version,
});

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

    it('finds a created user by id and by email, at version 1', async () => {
      const user = newUser();
      expect(await users.create(user)).toBe(true);
      expect(await users.findById(user.id)).toEqual(created(user));
      expect(await users.findByEmail(user.email)).toEqual(created(user));
    });

    it('refuses a second user with the same email, in any letter case, and keeps the first', async () => {
      const first = newUser();
      await users.create(first);
      expect(await users.create(newUser({ email: first.email }))).toBe(false);
      const shouted = newUser({ email: first.email.toUpperCase() });
      expect(await users.create(shouted)).toBe(false);
      expect(await users.findByEmail(first.email)).toEqual(created(first));
      expect(await users.findById(shouted.id)).toBeUndefined();
    });

    it('finds a user by email in any letter case', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.findByEmail(user.email.toUpperCase())).toEqual(created(user));
    });

    it('updates the password hash, roles and disabled flag of an existing user only, answering the new version', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.update(user.id, { passwordHash: 'new-hash' })).toBe(2);
      expect(await users.findById(user.id)).toEqual(changed(user, 2, { passwordHash: 'new-hash' }));
      expect(await users.update(user.id, { roles: ['user', 'admin'], disabled: true })).toBe(3);
      expect(await users.findByEmail(user.email)).toEqual(
        changed(user, 3, { passwordHash: 'new-hash', roles: ['user', 'admin'], disabled: true }),
      );
      expect(await users.update(randomUUID(), { disabled: true })).toBeUndefined();
    });

    it('moves updatedAt forward with a change, and never createdAt', async () => {
      const user = newUser();
      await users.create(user);
      await users.update(user.id, { disabled: true });
      const stored = (await users.findById(user.id)) as User;
      expect(stored.createdAt).toBe(user.createdAt);
      expect(Date.parse(stored.updatedAt)).toBeGreaterThan(Date.parse(user.createdAt));
    });

    it('replaces the password hash only while the stored one is the expected one', async () => {
      const user = newUser();
      await users.create(user);
      expect(await users.replacePasswordHash(user.id, 'not-the-hash', 'other')).toBeUndefined();
      expect(await users.findById(user.id)).toEqual(created(user));
      expect(await users.replacePasswordHash(user.id, user.passwordHash, 'next')).toBe(2);
      expect(await users.replacePasswordHash(user.id, user.passwordHash, 'again')).toBeUndefined();
      expect(await users.findById(user.id)).toEqual(changed(user, 2, { passwordHash: 'next' }));
      expect(await users.replacePasswordHash(randomUUID(), user.passwordHash, 'next')).toBeUndefined();
    });

    it('keeps concurrent changes of different fields: none undoes another', async () => {
      const user = newUser();
      await users.create(user);
      const versions = await Promise.all([
        users.update(user.id, { disabled: true }),
        users.update(user.id, { roles: ['user', 'admin'] }),
        users.replacePasswordHash(user.id, user.passwordHash, 'next'),
      ]);
      expect([...versions].sort()).toEqual([2, 3, 4]);
      expect(await users.findById(user.id)).toEqual(
        changed(user, 4, { disabled: true, roles: ['user', 'admin'], passwordHash: 'next' }),
      );
    });

    it('registers one of many concurrent creations of one email', async () => {
      const email = `${randomUUID()}@example.com`;
      const attempts = Array.from({ length: 20 }, () => newUser({ email }));
      const outcomes = await Promise.all(attempts.map((user) => users.create(user)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = attempts[outcomes.indexOf(true)];
      expect(await users.findByEmail(email)).toEqual(created(winner));
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
      expect(await users.findByEmail(user.email)).toEqual(created(successor));
      expect(await users.delete(user.id)).toBe(false);
    });

    it('finds nothing for an unknown id or email', async () => {
      expect(await users.findById(randomUUID())).toBeUndefined();
      expect(await users.findByEmail('nobody@example.com')).toBeUndefined();
    });
  });
}
