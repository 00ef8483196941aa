import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The 49 233 passwords attackers try first (zxcvbn's list, drawn from breach corpora), lower-cased, loaded once.
 * Compared case-insensitively: `Password` and `PASSWORD` are in every guessing list that holds `password`.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((entry) => entry.toLowerCase()),
);

export const COMMON_PASSWORD_COUNT = COMMON_PASSWORDS.size;

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}
