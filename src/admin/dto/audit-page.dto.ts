import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '../../audit/audit-log.js';

/** One revocation, and who caused it. */
export class AuditEntryDto implements AuditEntry {
  @ApiProperty({
    description: 'A decimal number, larger for every later entry; pass as `before` to page past it',
    example: '1042',
  })
  id: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: AuditAction;

  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description: 'Who acted: the subject for its own logout, an admin, or null for the system (theft detected)',
  })
  actorId: string | null;

  @ApiProperty({ format: 'uuid', description: 'The user whose tokens were revoked' })
  subjectId: string;

  @ApiPropertyOptional({ format: 'uuid' })
  sessionId?: string;

  @ApiPropertyOptional()
  reason?: string;
}

/** A page of the audit log, newest first. */
export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  entries: AuditEntryDto[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass as `before` for the next (older) page; null on the last page',
  })
  next_cursor: string | null;
}
