import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';

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
    example: '1042',
  })
  @IsOptional()
  @MaxLength(19)
  @Matches(/^[1-9]\d{0,18}$/, { message: 'before must be an audit entry id like 1042' })
  before?: string;
}
