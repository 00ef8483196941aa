/** Injection token of the {@link FailedAttempts} port (Redis, or memory without Redis). */
export const FAILED_ATTEMPTS = Symbol('FailedAttempts');

/** Route metadata: how to find the account a request tries a credential of (see LimitFailedAttempts). */
export const ATTEMPT_SUBJECT = Symbol('attemptSubject');

/** The account a request tries a credential of: the key of its failure counts. */
export type SubjectOf = (request: Record<string, unknown>) => string;

/** One attempt at a credential: whose (an account, by email or user id) and from which client address. */
export interface Attempt {
  subject: string;
  address: string;
}

/**
 * The limits on failed attempts: per subject and address pair (one address guessing), and per subject over every
 * address (a guess spread over many), which does not apply to an address the subject succeeded from before.
 */
export interface FailureLimits {
  pairLimit: number;
  pairWindowMs: number;
  subjectLimit: number;
  subjectWindowMs: number;
  knownAddressMs: number;
}

export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts failed attempts at a credential. An attempt is counted as a failure before it runs (so concurrent guesses
 * cannot overrun a limit) and given back once it turns out otherwise.
 */
export interface FailedAttempts {
  /** Counts `attempt` as a failure, or refuses it when a limit is reached, with the seconds until it lifts. */
  reserve(attempt: Attempt): Promise<Reservation>;
  /** The attempt proved the credential: its count is given back and its address becomes known to the subject. */
  succeeded(attempt: Attempt): Promise<void>;
  /** The attempt ended without a verdict on the credential (bad input, a fault): its count is given back. */
  release(attempt: Attempt): Promise<void>;
}
