import { IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from './credentials.dto.js';

export class DeleteAccountDto {
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}
