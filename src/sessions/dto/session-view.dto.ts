import { ApiProperty } from '@nestjs/swagger';
import type { SessionView } from '../sessions.service.js';

/** One login of the caller, as GET /sessions lists it. */
export class SessionViewDto implements SessionView {
  @ApiProperty({ format: 'uuid', description: 'The session id: the `sid` claim of its tokens' })
  sid: string;

  @ApiProperty({ format: 'date-time', description: 'When the login happened' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', description: 'The last login or refresh' })
  lastUsedAt: string;

  @ApiProperty({ description: 'The User-Agent of the login, up to 256 characters; empty when none was sent' })
  userAgent: string;

  @ApiProperty({ description: 'Whether this is the session of the token that asked' })
  current: boolean;
}
