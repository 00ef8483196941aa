import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from '../../common/common-passwords.js';
import { ChangePasswordDto } from './change-password.dto.js';
import { LoginDto, RegisterDto } from './credentials.dto.js';

const messagesOf = (dto: object) => validateSync(dto).flatMap((error) => Object.values(error.constraints ?? {}));

describe('the common-password rule (ASVS 6.2.4)', () => {
  it('holds the whole list of 49 233 passwords', () => {
    expect(COMMON_PASSWORD_COUNT).toBe(49_233);
  });

  it.each(['password', '12345678', 'qwertyuiop', 'Password', 'QWERTYUIOP', 'iloveyou', 'sunshine'])(
    'knows %s, ignoring case',
    (password) => {
      expect(isCommonPassword(password)).toBe(true);
    },
  );

  it.each(['correct horse battery staple', 'password!x', 'an entirely new passphrase'])(
    'does not flag %s',
    (password) => {
      expect(isCommonPassword(password)).toBe(false);
    },
  );

  it('refuses a common password at registration, naming the rule', () => {
    const dto = plainToInstance(RegisterDto, { email: 'ada@example.com', password: 'Qwertyuiop' });
    expect(messagesOf(dto)).toEqual([
      'password is one of the 49233 most common passwords (compared ignoring case); choose another',
    ]);
  });

  it('refuses a common new password at a password change, not a common current one', () => {
    const dto = plainToInstance(ChangePasswordDto, { current_password: 'password', new_password: '12345678' });
    expect(messagesOf(dto)).toEqual([
      'new_password is one of the 49233 most common passwords (compared ignoring case); choose another',
    ]);
  });

  it('leaves login alone: an account created before the rule can still log in and change its password', () => {
    expect(messagesOf(plainToInstance(LoginDto, { email: 'ada@example.com', password: 'password' }))).toEqual([]);
  });
});
