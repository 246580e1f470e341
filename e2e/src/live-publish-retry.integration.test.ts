/**
 * A live event whose publish Redis did not confirm in time is published once, not lost and not twice: the publish
 * is tried again, and the retry finds the first try's entry in the key's history when that one did run. The
 * Redis is the test's own (it is held busy on purpose), so no other test waits on it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@curbside/service';
import { makeLivePubSub, type LivePubSub } from '@curbside/subgraph-kit';
import { startPrivateRedis, type PrivateRedis } from './index.ts';

let redis: PrivateRedis;
let admin: Redis;
let live: LivePubSub;
const first = randomUUID();
const second = randomUUID();

beforeAll(async () => {
  redis = await startPrivateRedis();
  admin = new Redis(redis.url);
  live = makeLivePubSub({
    url: redis.url,
    keyPrefix: 'retry-test:',
    connectionName: 'publish-retry-test',
    logger: createLogger('publish-retry-test', 'silent'),
  });
}, 30_000);
afterAll(async () => {
  await live?.close();
  admin?.disconnect();
  await redis?.stop();
});

/** Holds Redis busy (a script looping on the clock) for `ms`: commands sent meanwhile run after it, in order. */
function holdRedisBusy(ms: number): Promise<unknown> {
  const busy = new Redis(redis.url);
  return busy
    .eval(
      `local t = redis.call('TIME')
       local until_us = (tonumber(t[1]) * 1000000 + tonumber(t[2])) + tonumber(ARGV[1]) * 1000
       repeat t = redis.call('TIME') until tonumber(t[1]) * 1000000 + tonumber(t[2]) >= until_us
       return 1`,
      0,
      ms,
    )
    .finally(() => busy.disconnect());
}

describe('a publish Redis does not confirm in time', () => {
  it('is tried again and reaches the history and the subscriber exactly once', async () => {
    const subscription = live.subscribe('post.updated', 'k');
    await subscription.ready;
    const received: { postId: string }[] = [];
    void (async () => {
      for await (const event of subscription) received.push(event);
    })();

    // The publisher gives up waiting after 1 s (its command timeout on one server); Redis runs the publish at 1.5 s.
    const busy = holdRedisBusy(1_500);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await expect(live.publish('post.updated', 'k', { postId: first })).resolves.toBeTypeOf('number');
    const publishedAfterMs = Date.now() - started;
    await busy;
    await live.publish('post.updated', 'k', { postId: second });

    const history = await admin.xrange(`retry-test:live-history:{post.updated:k}`, '-', '+');
    expect(history.map(([, fields]) => fields[1])).toEqual([
      JSON.stringify({ postId: first }),
      JSON.stringify({ postId: second }),
    ]);
    await expect.poll(() => received.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual([{ postId: first }, { postId: second }]);
    // It was not confirmed by its first try (the command timeout ran out first).
    expect(publishedAfterMs).toBeGreaterThanOrEqual(1_000);
    await subscription.return();
  }, 30_000);
});
