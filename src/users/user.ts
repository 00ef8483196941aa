/** A stored account. The email is normalised (trimmed, lower case) before it gets here. */
export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: string;
}

/** What an account looks like from outside: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  createdAt: string;
}

export function toPublicUser({ id, email, createdAt }: User): PublicUser {
  return { id, email, createdAt };
}
