/** A JWT_SECRET the strength rules accept (43 base64url characters of 32 random bytes), for config specs. */
export const STRONG_SECRET = 'oYpFVkvM5QGcHTpf11K9Wk4hWDWW92GeczY3aInMRcg';
