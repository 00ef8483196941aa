import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { redisStores } from './support/redis-client.js';

let stores: Awaited<ReturnType<typeof redisStores>>;

beforeAll(async () => {
  stores = await redisStores();
});

afterAll(async () => {
  await stores.close();
});

describe('RedisRevocationStore round trips', () => {
  it("answers the guard with exactly one command, an MGET of the two hash-tagged keys (session first) and the epoch's id", async () => {
    const { redis, keys, revocations, epoch } = stores;
    const token = { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID(), epoch: await epoch.current() };
    const sent: { name: string; args: unknown[] }[] = [];
    const client = redis as Redis;
    const sendCommand = client.sendCommand.bind(client);
    const spy = jest.spyOn(client, 'sendCommand').mockImplementation((command, stream) => {
      sent.push({ name: command.name, args: command.args });
      return sendCommand(command, stream);
    });
    try {
      expect(await revocations.isRevoked(token)).toBe(false);
      // A token of another epoch is refused without asking Redis at all.
      expect(await revocations.isRevoked({ ...token, epoch: 'AAAAAAAAAAAAAAAA' })).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0].name).toBe('mget');
    expect(sent[0].args).toEqual([
      keys.revokedSession(token.userId, token.sessionId),
      keys.revokedToken(token.userId, token.jti),
      keys.epochId(0),
    ]);
    // The two revocation keys share the user's slot (the epoch id is read along on one server only, not a Cluster).
    const sentKeys = (sent[0].args as string[]).slice(0, 2);
    expect(new Set(sentKeys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]))).toEqual(new Set([token.userId.slice(-5)]));
    expect(new Set(sentKeys.map((key) => calculateSlot(key))).size).toBe(1);
  });
});
