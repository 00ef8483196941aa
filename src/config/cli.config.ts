import { processSettings } from './load-config.js';

/** Where the operator CLI's create-admin takes the password from: the environment (or `.env`), never the command line. */
export const ADMIN_PASSWORD_VARIABLE = 'ADMIN_PASSWORD';

export function adminPasswordFromEnvironment(): string | undefined {
  return processSettings()[ADMIN_PASSWORD_VARIABLE];
}
