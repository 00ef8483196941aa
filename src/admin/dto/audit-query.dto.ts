import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Entries per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @ApiPropertyOptional({
    description: "An entry id from a previous page's `next_cursor`: the page starts after it",
    example: '1795383457903-0',
  })
  @IsOptional()
  @Matches(/^\d{1,20}-\d{1,20}$/, { message: 'before must be an audit entry id like 1795383457903-0' })
  before?: string;
}
