export const MIN_SECRET_LENGTH = 32;

// Words that only appear in secrets copied from examples and tutorials.
const PLACEHOLDER_WORDS = ['change', 'replace', 'example', 'placeholder', 'secret', 'default'];

/** Why a signing secret must be refused, or undefined when it is acceptable. */
export function weakSecretReason(secret: string | undefined): string | undefined {
  if (!secret) return 'is not set';
  if (secret.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  const lower = secret.toLowerCase();
  if (PLACEHOLDER_WORDS.some((word) => lower.includes(word))) return 'looks like a placeholder';
  if (new Set(secret).size < 10) return 'has too few distinct characters';
  return undefined;
}
