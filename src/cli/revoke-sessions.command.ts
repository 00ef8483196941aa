import { Command } from 'nest-commander';
import type { User } from '../users/user.js';
import { AccountCommand } from './account-command.js';
import { userLabel } from './user-reference.js';

@Command({
  name: 'revoke-sessions',
  arguments: '<email-or-id>',
  description: 'Ends every session of an account: its access and refresh tokens are refused; it can log in again',
})
export class RevokeSessionsCommand extends AccountCommand {
  protected async act(user: User): Promise<string> {
    await this.admin.revokeSessions(user.id, null);
    return `revoked every session of ${userLabel(user)}`;
  }
}
