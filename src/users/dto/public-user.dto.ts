import { ApiProperty } from '@nestjs/swagger';
import type { PublicUser } from '../user.js';

/** An account as its owner sees it. */
export class PublicUserDto implements PublicUser {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'email', description: 'Normalised: NFKC, trimmed, lower case', example: 'ada@example.com' })
  email: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}
