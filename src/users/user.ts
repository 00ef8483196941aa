export const USER_ROLE = 'user';
export const ADMIN_ROLE = 'admin';
export const ROLES = [USER_ROLE, ADMIN_ROLE] as const;
export type Role = (typeof ROLES)[number];

/** A stored account. The email is normalised (trimmed, lower case) before it gets here. */
export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: string;
  roles: Role[];
  /** A disabled account cannot log in or refresh; its tokens were refused when it was disabled. */
  disabled: boolean;
  /** When the account last changed (its creation, at first). */
  updatedAt: string;
  /** 1 at creation, one more with every change: usable for optimistic checks. */
  version: number;
}

/** An account as it is created: the store dates and numbers its changes. */
export type NewUser = Omit<User, 'updatedAt' | 'version'>;

/** What may change on an account after it was created. */
export type UserChanges = Partial<Pick<User, 'passwordHash' | 'roles' | 'disabled'>>;

/** What an account looks like from outside: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  createdAt: string;
}

export function toPublicUser({ id, email, createdAt }: Pick<User, 'id' | 'email' | 'createdAt'>): PublicUser {
  return { id, email, createdAt };
}
