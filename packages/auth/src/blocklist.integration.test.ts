import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisAccountBlocklist } from './blocklist.ts';

const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:blocklist-${randomBytes(4).toString('hex')}:`;
const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { keyPrefix });
afterAll(async () => {
  // KEYS takes the pattern as given (no prefix added) and returns full names; DEL would prefix them again.
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(keyPrefix.length)));
  await redis.quit();
});

describe('redisAccountBlocklist.statusOfMany', () => {
  it('answers every id in the order given, across more ids than one MGET takes', async () => {
    await redis.ping(); // statusOfMany refuses a client that is not ready yet
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
    expect(await blocklist.statusOfMany([])).toEqual([]);
  });
});
