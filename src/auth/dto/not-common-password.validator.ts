import { ValidateBy, type ValidationOptions } from 'class-validator';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from '../../common/common-passwords.js';

/** ASVS 5.0 6.2.4: a new password must not be one of the common passwords guessing starts with. */
export function IsNotCommonPassword(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotCommonPassword',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !isCommonPassword(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'password'} is one of the ${COMMON_PASSWORD_COUNT} most common passwords (compared ignoring case); choose another`,
      },
    },
    options,
  );
}
