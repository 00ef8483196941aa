import { ConflictException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command } from 'nest-commander';
import { AdminService } from '../admin/admin.service.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, RegisterDto } from '../auth/dto/credentials.dto.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { ADMIN_ROLE, USER_ROLE, type User } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import { ADMIN_PASSWORD_VARIABLE, adminPasswordFromEnvironment } from '../config/cli.config.js';
import { CliCommand, CliError } from './cli-command.js';
import { CliStore } from './cli-store.js';
import { userLabel } from './user-reference.js';

@Command({
  name: 'create-admin',
  arguments: '<email>',
  argsDescription: { email: 'the admin account to create, or the existing account to promote' },
  description:
    `Creates an admin (roles user and admin) with the password in ${ADMIN_PASSWORD_VARIABLE}, never read from ` +
    'the command line; an existing account is promoted instead (it keeps its password, and its sessions end)',
})
export class CreateAdminCommand extends CliCommand {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminService,
    private readonly passwords: PasswordHasher,
    private readonly store: CliStore,
  ) {
    super();
  }

  async run([givenEmail]: string[]): Promise<void> {
    const { email, password } = credentials(givenEmail);
    this.store.requirePersistent();
    const existing = await this.users.findByEmail(email);
    if (existing) return this.promote(existing);
    const passwordHash = await this.passwords.hash(password);
    try {
      const created = await this.users.create(email, passwordHash, [USER_ROLE, ADMIN_ROLE]);
      this.say(`admin ${userLabel(created)} created`);
    } catch (error) {
      // Registered by someone else since the lookup: promote that account, as if it had been there all along.
      if (!(error instanceof ConflictException)) throw error;
      const registered = await this.users.findByEmail(email);
      if (!registered) throw error;
      await this.promote(registered);
    }
  }

  /** Grants the admin role through AdminService, which ends the account's sessions and writes the audit log. */
  private async promote(user: User): Promise<void> {
    if (user.roles.includes(ADMIN_ROLE)) {
      this.say(`admin ${userLabel(user)} unchanged: it already has the admin role`);
      return;
    }
    await this.admin.setRoles(user.id, [...user.roles, ADMIN_ROLE], null);
    const disabled = user.disabled ? ' (the account is disabled: run enable to let it log in)' : '';
    this.say(`admin ${userLabel(user)} promoted${disabled}`);
  }
}

/** The email and password, held to the same rules as POST /register. */
function credentials(givenEmail: string): { email: string; password: string } {
  const password = adminPasswordFromEnvironment();
  if (!password) {
    throw new CliError(
      `${ADMIN_PASSWORD_VARIABLE} is not set: export the admin's password (${PASSWORD_MIN_LENGTH} to ` +
        `${PASSWORD_MAX_LENGTH} characters) in it; it is never taken from the command line`,
    );
  }
  const dto = plainToInstance(RegisterDto, { email: givenEmail, password });
  const problems = validateSync(dto).flatMap(({ property, constraints = {} }) =>
    Object.values(constraints).map((message) =>
      property === 'password' ? message.replace(/^password/, ADMIN_PASSWORD_VARIABLE) : message,
    ),
  );
  if (problems.length > 0) throw new CliError(problems.join('; '));
  return { email: dto.email, password: dto.password };
}
