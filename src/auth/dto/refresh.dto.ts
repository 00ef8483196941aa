import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  // Optional only because the cookie transport may carry it instead (AUTH_COOKIE=true).
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}
