import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class AuditQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  /** An entry id from a previous page's `next_cursor`. */
  @IsOptional()
  @Matches(/^\d{1,20}-\d{1,20}$/, { message: 'before must be an audit entry id like 1795383457903-0' })
  before?: string;
}
