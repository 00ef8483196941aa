import { Injectable } from '@nestjs/common';
import { AdminService } from '../admin/admin.service.js';
import type { User } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';
import { findUser } from './user-reference.js';

/** A command that acts on one account, named by email or id, through AdminService (as the operator: actor null). */
@Injectable()
export abstract class AccountCommand extends CliCommand {
  constructor(
    private readonly users: UsersService,
    protected readonly admin: AdminService,
    private readonly store: CliStore,
  ) {
    super();
  }

  /** Does the change; returns the line to print. */
  protected abstract act(user: User): Promise<string>;

  async run([reference]: string[]): Promise<void> {
    this.store.requirePersistent();
    this.say(await this.act(await findUser(this.users, reference)));
  }
}
