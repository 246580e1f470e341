import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, deleteKeysWithPrefix, redisTargetFromEnv, type RedisClient } from '@curbside/redis';
import { redisAccountBlocklist } from './blocklist.ts';

// The run's Redis: the machine's server, or the cluster of `pnpm test:cluster` (where a command spanning two slots
// fails with CROSSSLOT, so every operation below proves it keeps to one).
const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:blocklist-${randomBytes(4).toString('hex')}:`;
let redis: RedisClient;
beforeAll(async () => {
  redis = connectRedis(redisTargetFromEnv(process.env), { keyPrefix, connectionName: 'blocklist-test' });
  await redis.ping(); // the blocklist refuses a client that is not ready yet
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, keyPrefix);
  await closeRedis(redis);
});

describe('redisAccountBlocklist', () => {
  it('answers every id of statusOfMany in the order given, over every bucket', async () => {
    const blocklist = redisAccountBlocklist(redis);
    const userIds = Array.from({ length: 2_500 }, (_, index) => `user-${index}`);
    await blocklist.block('user-3', 'suspended');
    await blocklist.block('user-1500', 'deleted');
    await blocklist.block('user-2499', 'suspended');
    await blocklist.block('user-9', 'deleted');
    await blocklist.unblock('user-9');

    const statuses = await blocklist.statusOfMany(userIds);
    expect(statuses).toHaveLength(2_500);
    const blocked = statuses.flatMap((status, index) => (status ? [[userIds[index], status]] : []));
    expect(blocked).toEqual([
      ['user-3', 'suspended'],
      ['user-1500', 'deleted'],
      ['user-2499', 'suspended'],
    ]);
    expect(await blocklist.statusOf('user-1500')).toBe('deleted');
    expect(await blocklist.statusOf('user-9')).toBeNull();
    expect(await blocklist.statusOfMany([])).toEqual([]);
  });

  it('replaceAll leaves exactly the entries given, and removes the layout before buckets', async () => {
    const blocklist = redisAccountBlocklist(redis);
    const before = Array.from({ length: 300 }, (_, index) => `old-${index}`);
    for (const userId of before) await blocklist.block(userId, 'suspended');
    // The former layout: a key per account and a set of them.
    await redis.set('auth:blocked:legacy-1', 'suspended');
    await redis.sadd('auth:blocked', 'legacy-1');

    const after: [string, 'suspended' | 'deleted'][] = [
      ['old-7', 'deleted'],
      ...Array.from({ length: 200 }, (_, index): [string, 'suspended'] => [`new-${index}`, 'suspended']),
    ];
    await blocklist.replaceAll(after);

    const statuses = await blocklist.statusOfMany([...before, ...after.map(([userId]) => userId)]);
    const blocked = new Map<string, string>();
    for (const [index, status] of statuses.entries()) {
      if (status) blocked.set([...before, ...after.map(([userId]) => userId)][index]!, status);
    }
    expect(blocked).toEqual(new Map(after));
    expect([await redis.exists('auth:blocked'), await redis.exists('auth:blocked:legacy-1')]).toEqual([0, 0]);
  });
});
