import type { Principal } from '../auth/access-token-claims.js';
import { normaliseEmail } from '../auth/dto/credentials.dto.js';

/**
 * The account a login or registration attempt is about (its normalised email), so a password-guessing run spread
 * over many addresses is still stopped per account. Requests without an email fall back to the caller's address.
 */
export function accountTracker(request: Record<string, unknown>): string {
  const body = request.body;
  const email =
    typeof body === 'object' && body !== null && 'email' in body ? normaliseEmail({ value: body.email }) : undefined;
  return typeof email === 'string' && email.length > 0 ? `account:${email}` : `ip:${String(request.ip)}`;
}

/** The account of the verified caller (JwtAuthGuard ran first): a password check behind a token counts for it. */
export function principalTracker(request: Record<string, unknown>): string {
  return `user:${(request.user as Principal).userId}`;
}
