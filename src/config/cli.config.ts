/** Where the operator CLI's create-admin takes the password from: the environment, never the command line. */
export const ADMIN_PASSWORD_VARIABLE = 'ADMIN_PASSWORD';

export function adminPasswordFromEnvironment(): string | undefined {
  return process.env[ADMIN_PASSWORD_VARIABLE];
}
