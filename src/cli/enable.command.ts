import { Command } from 'nest-commander';
import type { User } from '../users/user.js';
import { AccountCommand } from './account-command.js';
import { userLabel } from './user-reference.js';

@Command({
  name: 'enable',
  arguments: '<email-or-id>',
  description: 'Enables a disabled account: it can log in again (tokens from before it was disabled stay refused)',
})
export class EnableCommand extends AccountCommand {
  protected async act(user: User): Promise<string> {
    await this.admin.enable(user.id, null);
    return `enabled ${userLabel(user)}: it can log in again; tokens issued before stay refused`;
  }
}
