import { Inject } from '@nestjs/common';

/** What the guard needs from a verified access token to decide whether it was revoked. */
export interface TokenIdentity {
  userId: string;
  jti: string;
  sessionId: string;
  /** The store epoch the token was minted in: a token of an earlier epoch is refused. */
  epoch: string;
}

/**
 * The guard's question. Revocations are written by the session store (ending a session revokes its id; a logout
 * also revokes the token's jti); this port only answers, and lets a writer wait until its own answers agree.
 */
export interface RevocationStore {
  /**
   * True when the token is of an earlier store epoch, or its jti or its session was revoked. At most one round
   * trip; rejects with StoreUnavailableError when the store cannot answer.
   */
  isRevoked(token: TokenIdentity): Promise<boolean>;

  /**
   * The same answer when this instance has it without a round trip (the in-memory store always; the Redis store
   * for an earlier epoch, or a session its mirror knows), else undefined: then ask isRevoked. Lets the guard answer
   * a token's every request without waiting on a promise; never a "not revoked" that isRevoked would not give.
   */
  answerFromMemory(token: TokenIdentity): boolean | undefined;

  /** Resolves once this instance's own checks refuse every revocation written before the call. */
  settle(): Promise<void>;
}

export const RevocationStore = Symbol('RevocationStore');
export const InjectRevocationStore = () => Inject(RevocationStore);
