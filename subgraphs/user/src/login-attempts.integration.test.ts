import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import { closeRedis, createRedis, deleteKeysWithPrefix, redisTargetFromEnv } from '@curbside/redis';
import { makeLoginAttempts } from './login-attempts.ts';

const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:login-attempts-${randomBytes(4).toString('hex')}:`;
const redis = createRedis({
  ...redisTargetFromEnv(process.env), // the machine's Redis, or the cluster of `pnpm test:cluster`
  keyPrefix,
  connectionName: 'login-attempts-test',
});
beforeAll(async () => {
  await redis.ping(); // the counter fails open on a client that is not ready yet
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, keyPrefix);
  await closeRedis(redis);
});

/** A clock the test moves: 20 s into some minute. */
const testClock = () => manualClock(1_800_000_000_000 + 20_000);

const noOutage = () => {
  throw new Error('Redis is reachable in this test');
};

describe('makeLoginAttempts', () => {
  it('admits maxPerMinute attempts per account in a minute, then refuses with the time left in it', async () => {
    const clock = testClock();
    const attempts = makeLoginAttempts({ redis, maxPerMinute: 3, onUnavailable: noOutage, clock });
    for (let attempt = 0; attempt < 3; attempt++) expect(await attempts.count('user-a')).toEqual({ allowed: true });
    const refused = await attempts.count('user-a');
    expect(refused.allowed).toBe(false);
    if (refused.allowed) return;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    // Another account has its own count.
    expect(await attempts.count('user-b')).toEqual({ allowed: true });
    // The window's key expires with it.
    const ttl = await redis.pttl(`auth:attempts:user:user-a:${Math.floor(clock.now() / 60_000)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The next minute starts a new count.
    clock.advance(60_000);
    expect(await attempts.count('user-a')).toEqual({ allowed: true });
  });

  it('defaults to 10 attempts a minute', async () => {
    const attempts = makeLoginAttempts({ redis, onUnavailable: noOutage, clock: testClock() });
    const decisions = [];
    for (let attempt = 0; attempt < 11; attempt++) decisions.push((await attempts.count('user-c')).allowed);
    expect(decisions).toEqual([...Array<boolean>(10).fill(true), false]);
  });

  it('lets attempts through without Redis, telling so once a minute', async () => {
    // Never connected: its status is not `ready`, as while Redis is down and the client reconnects.
    const down = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix, connectionName: 'login-attempts-down' });
    down.disconnect();
    const clock = testClock();
    const outages: unknown[] = [];
    const attempts = makeLoginAttempts({
      redis: down,
      maxPerMinute: 1,
      onUnavailable: (error) => outages.push(error),
      clock,
    });
    for (let attempt = 0; attempt < 5; attempt++) expect(await attempts.count('user-d')).toEqual({ allowed: true });
    expect(outages).toHaveLength(1);
    clock.advance(60_000);
    expect(await attempts.count('user-d')).toEqual({ allowed: true });
    expect(outages).toHaveLength(2);
  });
});
