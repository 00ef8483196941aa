import { ConflictException, Injectable } from '@nestjs/common';
import type { AuditPage } from '../audit/audit-log.js';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { toPublicUser, type Role, type User } from '../users/user.js';
import { UsersService } from '../users/users.service.js';

export interface AdminUserView {
  id: string;
  email: string;
  createdAt: string;
  roles: Role[];
  disabled: boolean;
  sessions: number;
}

/**
 * Operator actions on accounts; each takes effect on the user's very next request. A change that must revoke runs
 * like every such change (AuthService): end the sessions, change the account, end them again. A failure part-way
 * leaves the tokens dead and the account unchanged; a retry finishes the job.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  async getUser(id: string): Promise<AdminUserView> {
    const user = await this.users.get(id);
    const sessions = await this.sessions.list(id, '');
    return { ...toView(user), sessions: sessions.length };
  }

  /** Refuses every token and refresh at once and blocks login; enabling later does not bring the old tokens back. */
  async disable(id: string, actorId: string | null): Promise<void> {
    this.refuseSelf(id, actorId, 'disable');
    await this.users.get(id);
    await this.sessions.endAll(id);
    const version = await this.users.update(id, { disabled: true });
    await this.sessions.endAll(id, { action: 'disable', actorId }, version);
  }

  async enable(id: string, actorId: string | null): Promise<void> {
    await this.users.get(id);
    await this.users.update(id, { disabled: false });
    await this.audit.record({ action: 'enable', actorId, subjectId: id });
  }

  async revokeSessions(id: string, actorId: string | null): Promise<void> {
    await this.users.get(id);
    await this.sessions.endAll(id, { action: 'revoke-sessions', actorId });
  }

  /** New roles; every older token of the user is refused, so none claims roles the user no longer has. */
  async setRoles(id: string, roles: Role[], actorId: string | null): Promise<void> {
    if (!roles.includes('admin')) this.refuseSelf(id, actorId, 'remove the admin role from');
    await this.users.get(id);
    await this.sessions.endAll(id);
    const version = await this.users.update(id, { roles });
    const why = { action: 'roles-change', actorId, reason: `roles: ${roles.join(', ')}` } as const;
    await this.sessions.endAll(id, why, version);
  }

  auditPage(limit: number, before?: string): Promise<AuditPage> {
    return this.audit.page(limit, before);
  }

  // An admin locking themselves out would leave nobody to undo it. `actorId` null: the operator CLI.
  private refuseSelf(id: string, actorId: string | null, action: string): void {
    if (id === actorId) throw new ConflictException(`An admin cannot ${action} themselves`);
  }
}

/** The public profile plus what an operator needs to see; never the password hash. */
function toView(user: User): Omit<AdminUserView, 'sessions'> {
  return { ...toPublicUser(user), roles: user.roles, disabled: user.disabled };
}
