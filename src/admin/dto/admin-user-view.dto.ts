import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../users/user.js';
import type { AdminUserView } from '../admin.service.js';

/** An account as an operator sees it: never the password hash. */
export class AdminUserViewDto implements AdminUserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'email' })
  email: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];

  @ApiProperty({ description: 'A disabled account cannot log in or refresh' })
  disabled: boolean;

  @ApiProperty({ type: 'integer', description: 'Live sessions of the user' })
  sessions: number;
}
