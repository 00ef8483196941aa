import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import { ROLES, type Role } from '../../users/user.js';

export class SetRolesDto {
  @ApiProperty({ description: 'The complete new set of roles', example: ['user', 'admin'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles: Role[];
}
