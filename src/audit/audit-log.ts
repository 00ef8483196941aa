import { Inject } from '@nestjs/common';

export const AUDIT_ACTIONS = [
  'logout',
  'logout-all',
  'session-end',
  'refresh-reuse',
  'password-change',
  'account-delete',
  'disable',
  'enable',
  'roles-change',
  'revoke-sessions',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One revocation, and who caused it. */
export interface AuditEvent {
  action: AuditAction;
  /** The user who acted (the subject itself for its own logout), or null for the system (theft detected). */
  actorId: string | null;
  /** The user whose tokens were revoked. */
  subjectId: string;
  sessionId?: string;
  reason?: string;
}

export interface AuditEntry extends AuditEvent {
  /** A decimal number, larger for every later entry: orders entries and pages through them. */
  id: string;
  at: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** An append-only log, pruned by age. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Newest first; `before` is an entry id (exclusive). */
  page(limit: number, before?: string): Promise<AuditPage>;
  /** Removes the entries written before `cutoff`; returns how many. */
  removeOlderThan(cutoff: Date): Promise<number>;
}

export const AuditLog = Symbol('AuditLog');
export const InjectAuditLog = () => Inject(AuditLog);
