import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import { closeRedis, createRedis, deleteKeysWithPrefix, redisTargetFromEnv, type RedisClient } from '@curbside/redis';
import { makeUpdateWindow } from './update-window.ts';

const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:update-window-${randomBytes(4).toString('hex')}:`;
let redis: RedisClient;

beforeAll(() => {
  redis = createRedis({
    ...redisTargetFromEnv(process.env), // the machine's Redis, or the cluster of `pnpm test:cluster`
    keyPrefix: prefix,
    connectionName: 'update-window-test',
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await closeRedis(redis);
});

let nextVendor = 0;
const vendor = () => `vendor-${nextVendor++}`;

describe('makeUpdateWindow', () => {
  it('admits one update per vendor per second of its clock, and tells how long until the next', async () => {
    const clock = manualClock(1_800_000_000_000);
    const window = makeUpdateWindow({ redis, clock });
    const id = vendor();
    expect((await window.claim(id)).claimed).toBe(true);
    clock.advance(400);
    expect(await window.claim(id)).toEqual({ claimed: false, retryAfterMs: 600 });
    clock.advance(599);
    expect(await window.claim(id)).toEqual({ claimed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect((await window.claim(id)).claimed).toBe(true);
    // The new claim starts a new second.
    expect(await window.claim(id)).toEqual({ claimed: false, retryAfterMs: 1_000 });
  });

  it('keeps one slot per vendor', async () => {
    const window = makeUpdateWindow({ redis, clock: manualClock() });
    const [first, second] = [vendor(), vendor()];
    expect((await window.claim(first)).claimed).toBe(true);
    expect((await window.claim(second)).claimed).toBe(true);
    expect((await window.claim(first)).claimed).toBe(false);
  });

  it('gives the slot back on release, for an update that was not written', async () => {
    const window = makeUpdateWindow({ redis, clock: manualClock() });
    const id = vendor();
    const claim = await window.claim(id);
    if (!claim.claimed) throw new Error('expected the first claim to be admitted');
    await claim.release();
    expect((await window.claim(id)).claimed).toBe(true);
  });

  it('is shared by every replica through Redis, each with its own clock', async () => {
    const clock = manualClock(1_800_000_000_000);
    const [one, other] = [makeUpdateWindow({ redis, clock }), makeUpdateWindow({ redis, clock })];
    const id = vendor();
    expect((await one.claim(id)).claimed).toBe(true);
    expect((await other.claim(id)).claimed).toBe(false);
  });

  it('counts a claim stamped ahead of its clock as just made', async () => {
    const ahead = manualClock(1_800_000_000_000 + 5_000);
    const behind = manualClock(1_800_000_000_000);
    const id = vendor();
    expect((await makeUpdateWindow({ redis, clock: ahead }).claim(id)).claimed).toBe(true);
    const window = makeUpdateWindow({ redis, clock: behind });
    expect(await window.claim(id)).toEqual({ claimed: false, retryAfterMs: 1_000 });
    // Still behind the claim after a second: held until the clock is a second past it (or the key expires).
    behind.advance(1_000);
    expect((await window.claim(id)).claimed).toBe(false);
    behind.advance(4_999);
    expect(await window.claim(id)).toEqual({ claimed: false, retryAfterMs: 1 });
    behind.advance(1);
    expect((await window.claim(id)).claimed).toBe(true);
  });

  it('leaves nothing behind: the slot expires ten seconds on (the clock opens it long before)', async () => {
    const window = makeUpdateWindow({ redis });
    const id = vendor();
    expect((await window.claim(id)).claimed).toBe(true);
    const ttl = await redis.pttl(`ratelimit:location:${id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});
