import { Command } from 'nest-commander';
import type { User } from '../users/user.js';
import { AccountCommand } from './account-command.js';
import { userLabel } from './user-reference.js';

@Command({
  name: 'disable',
  arguments: '<email-or-id>',
  description: 'Disables an account: login and refresh are refused, and every token it holds stops working at once',
})
export class DisableCommand extends AccountCommand {
  protected async act(user: User): Promise<string> {
    await this.admin.disable(user.id, null);
    return `disabled ${userLabel(user)}: every token and refresh token is refused`;
  }
}
