/** A backing store (Redis, the database) could not answer in time. Mapped to 503 + Retry-After: never a 500, never a pass. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(cause: unknown, message = 'The session store is unavailable') {
    super(message, { cause });
  }
}

/** Runs a store call and turns any client failure (timeout, connection lost, server error) into one error type. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
}

/** The same for the database (accounts, the audit trail): 503 "The database is unavailable". */
export async function databaseCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError(error, 'The database is unavailable');
  }
}
