import { Command } from 'nest-commander';
import { AdminService } from '../admin/admin.service.js';
import { UsersService } from '../users/users.service.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';
import { findUser, userLabel } from './user-reference.js';

@Command({
  name: 'enable',
  arguments: '<email-or-id>',
  description: 'Enables a disabled account: it can log in again (tokens from before it was disabled stay refused)',
})
export class EnableCommand extends CliCommand {
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
    await this.admin.enable(user.id, null);
    this.say(`enabled ${userLabel(user)}: it can log in again; tokens issued before stay refused`);
  }
}
