/** The backing store (Redis) could not answer in time. Mapped to 503 + Retry-After: never a 500, never a pass. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(cause: unknown) {
    super('The session store is unavailable', { cause });
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
