import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsAscii, IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { IsNotCommonPassword } from './not-common-password.validator.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// One spelling per mailbox: Unicode-compatible forms folded, surrounding blanks dropped, lower case.
export const normaliseEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.normalize('NFKC').trim().toLowerCase() : value;

export class LoginDto {
  @ApiProperty({
    description: 'Plain ASCII; compared after Unicode NFKC folding, trimming and lower-casing',
    example: 'ada@example.com',
  })
  @Transform(normaliseEmail)
  @IsString()
  @MaxLength(254)
  @IsAscii({ message: 'email must be plain ASCII' })
  @IsEmail({ allow_utf8_local_part: false, require_tld: true, allow_ip_domain: false })
  email: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

export class RegisterDto extends LoginDto {
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsNotCommonPassword()
  declare password: string;
}
