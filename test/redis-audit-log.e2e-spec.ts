import { randomUUID } from 'node:crypto';
import { RedisAuditLog } from '../src/audit/redis-audit.log.js';
import { describeAuditLogContract } from '../src/audit/testing/audit-log.contract.js';
import { redisForContract } from './support/redis-client.js';

const connection = redisForContract();
const keys: string[] = [];

/** A log on a stream key of its own, so every test starts empty and no other suite's entries show up. */
function freshLog(maxEntries: number): RedisAuditLog {
  const key = `${connection.keys.audit()}:${randomUUID()}`;
  keys.push(key);
  return new RedisAuditLog(connection.redis, key, maxEntries);
}

afterAll(async () => {
  if (keys.length > 0) await connection.redis.del(...keys);
  await connection.close();
});

describeAuditLogContract('RedisAuditLog', freshLog);

describe('what the Redis audit log keeps', () => {
  it('is one stream under its key, trimmed on append to at most twice maxEntries (MAXLEN ~)', async () => {
    const log = freshLog(100);
    const key = keys[keys.length - 1];
    for (let index = 0; index < 1000; index += 1) {
      await log.append({ action: 'logout', actorId: 'a', subjectId: 's', reason: `#${index}` });
    }

    expect(await connection.redis.type(key)).toBe('stream');
    const length = await connection.redis.xlen(key);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThanOrEqual(200);
    const [[newestId, newestFields]] = await connection.redis.xrevrange(key, '+', '-', 'COUNT', 1);
    expect(newestFields).toEqual(expect.arrayContaining(['reason', '#999']));
    expect((await log.page(1)).entries[0].id).toBe(newestId);
  });

  it('stores a null actor as an empty field and leaves absent optional fields out of the stream entry', async () => {
    const log = freshLog(100);
    const key = keys[keys.length - 1];
    await log.append({ action: 'refresh-reuse', actorId: null, subjectId: 'subject' });

    const [[, fields]] = await connection.redis.xrange(key, '-', '+');
    const record = Object.fromEntries(
      fields.flatMap((_, index) => (index % 2 ? [] : [[fields[index], fields[index + 1]]])),
    );
    expect(Object.keys(record).sort()).toEqual(['action', 'actorId', 'at', 'subjectId']);
    expect(record.actorId).toBe('');
  });
});
