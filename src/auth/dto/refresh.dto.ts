import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  // Optional only because the cookie transport may carry it instead (AUTH_COOKIE=true).
  @ApiPropertyOptional({
    description: 'From the last token response; may be left out when AUTH_COOKIE=true sends it as a cookie',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}
