import { Command } from 'nest-commander';
import { AdminService } from '../admin/admin.service.js';
import { UsersService } from '../users/users.service.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';
import { findUser, userLabel } from './user-reference.js';

@Command({
  name: 'revoke-sessions',
  arguments: '<email-or-id>',
  description: 'Ends every session of an account: its access and refresh tokens are refused; it can log in again',
})
export class RevokeSessionsCommand extends CliCommand {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminService,
    private readonly store: CliStore,
  ) {
    super();
  }

  async run([reference]: string[]): Promise<void> {
    this.store.requirePersistent();
    const user = await findUser(this.users, reference);
    await this.admin.revokeSessions(user.id, null);
    this.say(`revoked every session of ${userLabel(user)}`);
  }
}
