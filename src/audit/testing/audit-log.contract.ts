import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditEvent, AuditLog } from '../audit-log.js';

/** Entry ids (decimal, no leading zero) compared numerically. */
export function compareEntryIds(left: string, right: string): number {
  const difference = BigInt(left) - BigInt(right);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { action: 'logout', actorId: randomUUID(), subjectId: randomUUID(), ...overrides };
}

/** Every entry of the log, newest first, walked `limit` at a time through `nextCursor`; checks each page's shape. */
async function walk(log: AuditLog, limit: number): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let before: string | undefined;
  for (let pages = 1; ; pages += 1) {
    const page = await log.page(limit, before);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.entries);
    if (page.nextCursor === undefined) return { entries, pages };
    // A cursor is only handed out with a full page, and it is that page's oldest entry.
    expect(page.entries).toHaveLength(limit);
    expect(page.nextCursor).toBe(page.entries[page.entries.length - 1].id);
    before = page.nextCursor;
    if (pages > 10_000) throw new Error('the log never ends: nextCursor keeps coming');
  }
}

/** The behaviour every AuditLog adapter must show; run once per adapter. `create()` returns an empty log. */
export function describeAuditLogContract(name: string, create: () => AuditLog | Promise<AuditLog>) {
  describe(`${name} honours the AuditLog contract`, () => {
    it('answers an empty page, without a cursor, when nothing was appended', async () => {
      const log = await create();
      expect(await log.page(10)).toEqual({ entries: [] });
    });

    it('pages newest first, with ids increasing in append order and every field of the event kept', async () => {
      const log = await create();
      const appended = [
        event({ action: 'logout', sessionId: randomUUID() }),
        event({ action: 'logout-all' }),
        event({ action: 'disable', reason: 'first reason' }),
        event({ action: 'roles-change', reason: 'roles: user, admin' }),
        event({ action: 'revoke-sessions' }),
      ];
      const startedAtMs = Date.now();
      for (const one of appended) await log.append(one);
      const endedAtMs = Date.now();

      const page = await log.page(10);

      expect(page.nextCursor).toBeUndefined();
      expect(page.entries.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([...appended].reverse());
      const ids = page.entries.map((entry) => entry.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[1-9]\d{0,18}$/);
      const oldestFirst = [...ids].reverse();
      for (let index = 1; index < oldestFirst.length; index += 1) {
        expect(compareEntryIds(oldestFirst[index - 1], oldestFirst[index])).toBe(-1);
      }
      for (const entry of page.entries) {
        expect(new Date(entry.at).toISOString()).toBe(entry.at);
        expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(startedAtMs);
        expect(Date.parse(entry.at)).toBeLessThanOrEqual(endedAtMs);
      }
    });

    it('answers only `limit` entries, the newest, with a cursor to the rest', async () => {
      const log = await create();
      for (let index = 0; index < 5; index += 1) await log.append(event({ reason: `#${index}` }));

      const page = await log.page(2);

      expect(page.entries.map((entry) => entry.reason)).toEqual(['#4', '#3']);
      expect(page.nextCursor).toBe(page.entries[1].id);
    });

    it('pages through everything with `before`, without overlap or gap, and no cursor on the last page', async () => {
      const log = await create();
      for (let index = 0; index < 7; index += 1) await log.append(event({ reason: `#${index}` }));

      const pages: (string | undefined)[][] = [];
      const cursors: (string | undefined)[] = [];
      let before: string | undefined;
      do {
        const page = await log.page(3, before);
        pages.push(page.entries.map((entry) => entry.reason));
        cursors.push(page.nextCursor);
        before = page.nextCursor;
      } while (before !== undefined && pages.length < 10);

      expect(pages).toEqual([['#6', '#5', '#4'], ['#3', '#2', '#1'], ['#0']]);
      expect(cursors[0]).toEqual(expect.any(String));
      expect(cursors[1]).toEqual(expect.any(String));
      expect(cursors[2]).toBeUndefined();
      const { entries } = await walk(log, 3);
      expect(entries).toEqual((await log.page(100)).entries);
    });

    it('ends without a cursor when the last page is exactly full', async () => {
      const log = await create();
      for (let index = 0; index < 6; index += 1) await log.append(event({ reason: `#${index}` }));

      const first = await log.page(3);
      const second = await log.page(3, first.nextCursor);

      expect(first.entries.map((entry) => entry.reason)).toEqual(['#5', '#4', '#3']);
      expect(second.entries.map((entry) => entry.reason)).toEqual(['#2', '#1', '#0']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('answers an empty page, without a cursor, before the oldest entry', async () => {
      const log = await create();
      for (let index = 0; index < 3; index += 1) await log.append(event({ reason: `#${index}` }));
      const oldest = (await log.page(100)).entries[2];

      expect(oldest.reason).toBe('#0');
      expect(await log.page(10, oldest.id)).toEqual({ entries: [] });
    });

    it('walks one entry at a time with limit 1', async () => {
      const log = await create();
      for (let index = 0; index < 4; index += 1) await log.append(event({ reason: `#${index}` }));

      const { entries, pages } = await walk(log, 1);

      expect(entries.map((entry) => entry.reason)).toEqual(['#3', '#2', '#1', '#0']);
      expect(pages).toBe(4);
    });

    it('keeps a null actor (the system) as null, and the subject as it was', async () => {
      const log = await create();
      const subjectId = randomUUID();
      const sessionId = randomUUID();
      await log.append({
        action: 'refresh-reuse',
        actorId: null,
        subjectId,
        sessionId,
        reason: 'a rotated refresh token was presented again: theft assumed, session ended',
      });

      const [entry] = (await log.page(1)).entries;

      expect(entry).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        action: 'refresh-reuse',
        actorId: null,
        subjectId,
        sessionId,
        reason: 'a rotated refresh token was presented again: theft assumed, session ended',
      });
    });

    it('leaves the optional fields out of an entry whose event had none', async () => {
      const log = await create();
      const plain = event({ action: 'enable' });
      await log.append(plain);

      const [entry] = (await log.page(1)).entries;

      expect(Object.keys(entry).sort()).toEqual(['action', 'actorId', 'at', 'id', 'subjectId']);
      expect(entry).toEqual({ ...plain, id: expect.any(String), at: expect.any(String) });
    });

    it('keeps a reason with separators, quotes, new lines and non-ASCII text exactly', async () => {
      const log = await create();
      const reason = 'roles: user, admin\n"quoted" = \'yes\'; tab\there — ünïcödé ✓';
      await log.append(event({ action: 'roles-change', reason }));

      expect((await log.page(1)).entries[0].reason).toBe(reason);
    });

    it('answers copies: changing a returned entry does not change the log', async () => {
      const log = await create();
      await log.append(event({ action: 'disable', reason: 'kept' }));
      const [entry] = (await log.page(1)).entries;
      entry.reason = 'changed by a caller';

      expect((await log.page(1)).entries[0].reason).toBe('kept');
    });

    it('removes by age: the entries written before the cutoff go, the later ones stay, and it counts them', async () => {
      const log = await create();
      for (let index = 0; index < 3; index += 1) await log.append(event({ reason: `old #${index}` }));
      await sleep(20);
      const cutoff = new Date();
      await sleep(20);
      for (let index = 0; index < 2; index += 1) await log.append(event({ reason: `new #${index}` }));

      expect(await log.removeOlderThan(new Date(cutoff.getTime() - 60_000))).toBe(0);
      expect(await log.removeOlderThan(cutoff)).toBe(3);
      expect((await walk(log, 10)).entries.map((entry) => entry.reason)).toEqual(['new #1', 'new #0']);
      expect(await log.removeOlderThan(cutoff)).toBe(0);
    });

    it('keeps paging across a removal: the cursor of a page still leads to the older entries that are left', async () => {
      const log = await create();
      for (let index = 0; index < 2; index += 1) await log.append(event({ reason: `old #${index}` }));
      await sleep(20);
      const cutoff = new Date();
      await sleep(20);
      for (let index = 0; index < 3; index += 1) await log.append(event({ reason: `new #${index}` }));
      const first = await log.page(2);
      await log.removeOlderThan(cutoff);

      const second = await log.page(2, first.nextCursor);

      expect(first.entries.map((entry) => entry.reason)).toEqual(['new #2', 'new #1']);
      expect(second).toEqual({ entries: [expect.objectContaining({ reason: 'new #0' })] });
    });

    it('gives concurrent appends distinct ids, and loses none', async () => {
      const log = await create();
      await Promise.all(Array.from({ length: 50 }, (_, index) => log.append(event({ reason: `#${index}` }))));

      const { entries } = await walk(log, 20);

      expect(entries).toHaveLength(50);
      expect(new Set(entries.map((entry) => entry.id)).size).toBe(50);
      expect(new Set(entries.map((entry) => entry.reason)).size).toBe(50);
    });
  });
}
