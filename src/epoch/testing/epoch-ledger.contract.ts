import { randomUUID } from 'node:crypto';
import { newEpochId } from '../store-epoch.js';
import type { EpochLedger } from '../epoch-ledger.js';

/**
 * The behaviour every durable EpochLedger must show; run once per adapter. `create(recordPrefix)` returns a ledger
 * of the deployment whose epoch records start with `recordPrefix`, over storage shared by every ledger it creates.
 */
export function describeEpochLedgerContract(name: string, create: (recordPrefix: string) => Promise<EpochLedger>) {
  describe(`${name} honours the EpochLedger contract`, () => {
    let prefix: string;
    let ledger: EpochLedger;
    const record = (tag: number) => `${prefix}epoch{${tag}}`;

    beforeEach(async () => {
      prefix = `l${randomUUID().slice(0, 8)}:`;
      ledger = await create(prefix);
    });

    it('reads nothing before the first write, then the entry written', async () => {
      expect(await ledger.read()).toBeUndefined();
      const entry = { id: newEpochId(), seq: 1, revs: { [record(0)]: 7 } };
      await ledger.write(entry);
      expect(await ledger.read()).toEqual(entry);
    });

    it('keeps the highest count of an epoch: a lower one written later (a slower instance) moves nothing back', async () => {
      const id = newEpochId();
      await ledger.write({ id, seq: 3, revs: { [record(0)]: 50 } });
      await ledger.write({ id, seq: 3, revs: { [record(0)]: 20 } });
      expect(await ledger.read()).toEqual({ id, seq: 3, revs: { [record(0)]: 50 } });
      await ledger.write({ id, seq: 3, revs: { [record(0)]: 51 } });
      expect(await ledger.read()).toEqual({ id, seq: 3, revs: { [record(0)]: 51 } });
    });

    it('moves to a later epoch with its own counts, and never back to an earlier one', async () => {
      const [first, second] = [newEpochId(), newEpochId()];
      await ledger.write({ id: first, seq: 1, revs: { [record(0)]: 900 } });
      await ledger.write({ id: second, seq: 2, revs: { [record(0)]: 3 } });
      expect(await ledger.read()).toEqual({ id: second, seq: 2, revs: { [record(0)]: 3 } });
      await ledger.write({ id: first, seq: 1, revs: { [record(0)]: 901 } });
      expect(await ledger.read()).toEqual({ id: second, seq: 2, revs: { [record(0)]: 3 } });
    });

    it('keeps one count per record (a Cluster: one per master)', async () => {
      const id = newEpochId();
      const revs = { [record(0)]: 4, [record(7)]: 9, [record(12)]: 0 };
      await ledger.write({ id, seq: 1, revs });
      expect(await ledger.read()).toEqual({ id, seq: 1, revs });
    });

    it('keeps deployments apart: another key prefix reads nothing of this one', async () => {
      await ledger.write({ id: newEpochId(), seq: 5, revs: { [record(0)]: 1 } });
      const other = await create(`o${randomUUID().slice(0, 8)}:`);
      expect(await other.read()).toBeUndefined();
    });

    it('ends at the highest of many concurrent writes of one epoch', async () => {
      const id = newEpochId();
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => ledger.write({ id, seq: 1, revs: { [record(0)]: index * 10 } })),
      );
      expect(await ledger.read()).toEqual({ id, seq: 1, revs: { [record(0)]: 190 } });
    });
  });
}
