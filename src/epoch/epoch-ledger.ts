import { Inject } from '@nestjs/common';

/** An epoch as a deployment last saw it: its id, its place in the line of epochs, and each record's change count. */
export interface LedgerEntry {
  id: string;
  seq: number;
  /** The highest change count seen per epoch record (one record, or one per Cluster master). */
  revs: Record<string, number>;
}

/**
 * A durable copy of the store's high-water mark, outside the store: with it, a restore of Redis from an older copy is
 * caught even after every instance restarted (while any instance is up, its memory catches it). The app keeps it in
 * the database (PostgresEpochLedger).
 */
export interface EpochLedger {
  /** The last entry written, or undefined when there is none. */
  read(): Promise<LedgerEntry | undefined>;
  /** Records the entry; only ever called with a seq and revs at or above the last ones written. */
  write(entry: LedgerEntry): Promise<void>;
}

export const EpochLedger = Symbol('EpochLedger');
export const InjectEpochLedger = () => Inject(EpochLedger);

/** No durable copy: the high-water mark lives only in the memory of the running instances (tests of the epoch alone). */
export class NoEpochLedger implements EpochLedger {
  read(): Promise<LedgerEntry | undefined> {
    return Promise.resolve(undefined);
  }

  write(): Promise<void> {
    return Promise.resolve();
  }
}
