export type TokenType = 'access_token' | 'refresh_token';

// Built once: every revocation and introspection asks for one.
const ACCESS_FIRST: readonly TokenType[] = Object.freeze(['access_token', 'refresh_token']);
const REFRESH_FIRST: readonly TokenType[] = Object.freeze(['refresh_token', 'access_token']);

/**
 * The order in which to look a token up. RFC 7009 §2.1 and RFC 7662 §2.1: the hint only helps the lookup, the
 * search always covers every type we issue, and a server may ignore the hint; so an unknown value (the registry is
 * open, RFC 7009 §4.1.2) is ignored rather than refused.
 */
export function lookupOrder(hint: string | undefined): readonly TokenType[] {
  return hint === 'refresh_token' ? REFRESH_FIRST : ACCESS_FIRST;
}
