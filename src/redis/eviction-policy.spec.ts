import type { Redis } from 'ioredis';
import { judgeEvictionPolicy, readEvictionPolicy } from './eviction-policy.js';

const VOLATILE = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];
const ALLKEYS = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random'];

function reasonOf(verdict: ReturnType<typeof judgeEvictionPolicy>): string {
  if (verdict.verdict === 'safe') throw new Error('a safe verdict has no reason');
  return verdict.reason;
}

describe('judgeEvictionPolicy', () => {
  it.each([false, true])('judges noeviction safe (ALLOW_EVICTING_REDIS=%s)', (allowEviction) => {
    expect(judgeEvictionPolicy('noeviction', allowEviction)).toEqual({ verdict: 'safe' });
  });

  describe.each(VOLATILE)('%s', (policy) => {
    it('warns when ALLOW_EVICTING_REDIS=true, naming the policy, the risk and the override', () => {
      const verdict = judgeEvictionPolicy(policy, true);

      expect(verdict.verdict).toBe('warn');
      const reason = reasonOf(verdict);
      expect(reason).toContain(`maxmemory-policy is "${policy}"`);
      expect(reason).toContain('un-revokes tokens');
      expect(reason).toContain('allowed by ALLOW_EVICTING_REDIS=true');
    });

    it('refuses without ALLOW_EVICTING_REDIS, offering both noeviction and the override', () => {
      const verdict = judgeEvictionPolicy(policy, false);

      expect(verdict.verdict).toBe('refuse');
      const reason = reasonOf(verdict);
      expect(reason).toContain(`maxmemory-policy is "${policy}"`);
      expect(reason).toContain('set it to noeviction');
      expect(reason).toContain('accept the risk with ALLOW_EVICTING_REDIS=true');
    });
  });

  describe.each(ALLKEYS)('%s', (policy) => {
    it.each([false, true])(
      'refuses even with ALLOW_EVICTING_REDIS=%s, and offers only noeviction (with the command)',
      (allowEviction) => {
        const verdict = judgeEvictionPolicy(policy, allowEviction);

        expect(verdict.verdict).toBe('refuse');
        const reason = reasonOf(verdict);
        expect(reason).toContain(`maxmemory-policy is "${policy}"`);
        expect(reason).toContain('CONFIG SET maxmemory-policy noeviction');
        expect(reason).not.toContain('ALLOW_EVICTING_REDIS');
      },
    );
  });

  it.each(['unknown', '', 'NOEVICTION', 'volatile', 'some-future-policy'])(
    'fails closed on a policy it does not know ("%s"): refused even with ALLOW_EVICTING_REDIS=true',
    (policy) => {
      const verdict = judgeEvictionPolicy(policy, true);

      expect(verdict.verdict).toBe('refuse');
      expect(reasonOf(verdict)).toContain('set it to noeviction');
    },
  );

  it('puts the whole verdict on one line (the operator reads one line on stderr)', () => {
    for (const policy of [...VOLATILE, ...ALLKEYS]) {
      for (const allowEviction of [false, true]) {
        expect(reasonOf(judgeEvictionPolicy(policy, allowEviction))).not.toMatch(/[\r\n]/);
      }
    }
  });
});

describe('readEvictionPolicy', () => {
  function fakeRedis({ config, info }: { config: () => Promise<unknown>; info?: () => Promise<string> }) {
    const fake = {
      config: jest.fn(config),
      info: jest.fn(info ?? (() => Promise.reject(new Error('INFO should not be needed')))),
    };
    return { fake, redis: fake as unknown as Redis };
  }

  it('reads the policy with CONFIG GET when it is allowed, without INFO', async () => {
    const { fake, redis } = fakeRedis({ config: () => Promise.resolve(['maxmemory-policy', 'volatile-lru']) });

    await expect(readEvictionPolicy(redis)).resolves.toBe('volatile-lru');
    expect(fake.config).toHaveBeenCalledWith('GET', 'maxmemory-policy');
    expect(fake.info).not.toHaveBeenCalled();
  });

  it('falls back to the maxmemory_policy line of INFO memory when CONFIG is disabled', async () => {
    const { fake, redis } = fakeRedis({
      config: () => Promise.reject(new Error("ERR unknown command 'CONFIG'")),
      info: () =>
        Promise.resolve(
          '# Memory\r\nused_memory:1024\r\nmaxmemory_policy:allkeys-lru\r\nmem_fragmentation_ratio:1.0\r\n',
        ),
    });

    await expect(readEvictionPolicy(redis)).resolves.toBe('allkeys-lru');
    expect(fake.info).toHaveBeenCalledWith('memory');
  });

  it('falls back to INFO when CONFIG GET answers no value', async () => {
    const { redis } = fakeRedis({
      config: () => Promise.resolve([]),
      info: () => Promise.resolve('maxmemory_policy:noeviction\r\n'),
    });

    await expect(readEvictionPolicy(redis)).resolves.toBe('noeviction');
  });

  it('answers "unknown" when neither CONFIG nor INFO names the policy, which judgeEvictionPolicy then refuses', async () => {
    const { redis } = fakeRedis({
      config: () => Promise.reject(new Error('NOPERM')),
      info: () => Promise.resolve('# Memory\r\nused_memory:1024\r\n'),
    });

    const policy = await readEvictionPolicy(redis);
    expect(policy).toBe('unknown');
    expect(judgeEvictionPolicy(policy, true).verdict).toBe('refuse');
  });
});
