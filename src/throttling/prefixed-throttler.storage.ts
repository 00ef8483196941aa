import type { ThrottlerStorage } from '@nestjs/throttler';
import { storeCall } from '../common/errors/store-unavailable.error.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Puts the throttler's counters under the app's key prefix (so apps sharing one Redis keep apart), and turns a
 * Redis failure into the same 503 as every other store call instead of an unhandled 500.
 */
export class PrefixedThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly storage: ThrottlerStorage,
    private readonly prefix: string,
  ) {}

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return storeCall(() => this.storage.increment(`${this.prefix}${key}`, ttl, limit, blockDuration, throttlerName));
  }
}
