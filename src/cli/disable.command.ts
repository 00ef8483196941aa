import { Command } from 'nest-commander';
import { AdminService } from '../admin/admin.service.js';
import { UsersService } from '../users/users.service.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';
import { findUser, userLabel } from './user-reference.js';

@Command({
  name: 'disable',
  arguments: '<email-or-id>',
  description: 'Disables an account: login and refresh are refused, and every token it holds stops working at once',
})
export class DisableCommand extends CliCommand {
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
    await this.admin.disable(user.id, null);
    this.say(`disabled ${userLabel(user)}: every token and refresh token is refused`);
  }
}
