import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { RedisRevocationStore } from '../src/revocation/redis-revocation.store.js';
import { describeRevocationStoreContract } from '../src/revocation/testing/revocation-store.contract.js';
import { RedisUsersRepository } from '../src/users/redis-users.repository.js';
import { describeUsersRepositoryContract } from '../src/users/testing/users-repository.contract.js';
import { redisForContract } from './support/redis-client.js';

const connection = redisForContract();

afterAll(async () => {
  await connection.close();
});

describeRevocationStoreContract(
  'RedisRevocationStore',
  () => new RedisRevocationStore(connection.redis, connection.keys),
);
describeUsersRepositoryContract(
  'RedisUsersRepository',
  () => new RedisUsersRepository(connection.redis, connection.keys),
);

describe('RedisRevocationStore round trips', () => {
  it('answers the guard with exactly one command, an MGET of the three hash-tagged keys', async () => {
    const store = new RedisRevocationStore(connection.redis, connection.keys);
    const sent: { name: string; args: unknown[] }[] = [];
    const sendCommand = connection.redis.sendCommand.bind(connection.redis);
    const spy = jest.spyOn(connection.redis, 'sendCommand').mockImplementation((command, stream) => {
      sent.push({ name: command.name, args: command.args });
      return sendCommand(command, stream);
    });
    const token = { userId: randomUUID(), jti: randomUUID(), sessionId: randomUUID(), issuedAtMs: Date.now() };
    try {
      await store.isRevoked(token);
    } finally {
      spy.mockRestore();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0].name).toBe('mget');
    expect(sent[0].args).toEqual([
      connection.keys.revokedToken(token.userId, token.jti),
      connection.keys.revokedSession(token.userId, token.sessionId),
      connection.keys.notBefore(token.userId),
    ]);
    const sentKeys = sent[0].args as string[];
    expect(new Set(sentKeys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]))).toEqual(new Set([token.userId.slice(-5)]));
    expect(new Set(sentKeys.map((key) => calculateSlot(key))).size).toBe(1);
  });
});
