import { normaliseEmail } from '../auth/dto/credentials.dto.js';
import type { User } from '../users/user.js';
import type { UsersService } from '../users/users.service.js';
import { CliError } from './cli-command.js';

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The account an operator names by email (normalised like registration does) or by id. */
export async function findUser(users: UsersService, reference: string): Promise<User> {
  if (reference.includes('@')) {
    const email = normaliseEmail({ value: reference }) as string;
    const user = await users.findByEmail(email);
    if (!user) throw new CliError(`no user with email ${email}`);
    return user;
  }
  if (!USER_ID.test(reference)) throw new CliError(`"${reference}" is neither an email nor a user id`);
  const user = await users.findById(reference.toLowerCase());
  if (!user) throw new CliError(`no user with id ${reference}`);
  return user;
}

/** How a command names an account in its output. */
export const userLabel = (user: Pick<User, 'email' | 'id'>) => `${user.email} (${user.id})`;
