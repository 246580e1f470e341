/**
 * Live events published through a Redis Cluster failover slower than ioredis's own patience: with a node timeout
 * of 2.5 s the promoted replica serves the killed primary's slots about 5 s after the kill, while ioredis gives up
 * on a command after 16 redirections (about 3.5 s). Each publish is tried again until it is confirmed, never twice,
 * so every subscriber, its channel on the killed node or not, gets every event once and in order.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@curbside/service';
import { makeLivePubSub, type LivePubSub } from '@curbside/subgraph-kit';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster.ts';

let cluster: TestRedisCluster;
let publisher: LivePubSub;
let subscriber: LivePubSub;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 2_500 });
  const options = {
    url: cluster.url,
    clusterNodes: cluster.nodes,
    keyPrefix: 'slow-failover:',
    logger: createLogger('slow-failover-test', 'silent'),
  };
  publisher = makeLivePubSub({ ...options, connectionName: 'slow-failover-pub' });
  subscriber = makeLivePubSub({ ...options, connectionName: 'slow-failover-sub' });
}, 60_000);
afterAll(async () => {
  await publisher?.close();
  await subscriber?.close();
  await cluster?.stop();
}, 60_000);

/** How long each key is published to, and when the primary is killed: milliseconds. */
const publishMs = 9_000;
const killAtMs = 1_500;

describe('a Redis Cluster failover slower than ioredis gives a command', () => {
  it('loses and repeats no live event: each publish is tried again until confirmed, once', async () => {
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const received = new Map<string, string[]>(keys.map((key) => [key, []]));
    for (const key of keys) {
      const subscription = subscriber.subscribe('post.updated', key);
      await subscription.ready;
      void (async () => {
        for await (const event of subscription) received.get(key)!.push(event.postId);
      })().catch(() => undefined);
    }
    const victim = await cluster.primaryOf(publisher.channelOf('post.updated', keys[0]!));
    const onVictim = [];
    for (const key of keys) {
      if ((await cluster.primaryOf(publisher.channelOf('post.updated', key))).port === victim.port) onVictim.push(key);
    }

    const started = Date.now();
    const published = new Map<string, string[]>(keys.map((key) => [key, []]));
    const failures: string[] = [];
    let slowestMs = 0;
    const failover = (async () => {
      await new Promise((resolve) => setTimeout(resolve, killAtMs));
      await cluster.kill(victim.port);
      await cluster.waitForFailover(victim.port);
      return Date.now() - started - killAtMs;
    })();
    await Promise.all(
      keys.map(async (key) => {
        while (Date.now() - started < publishMs) {
          const postId = randomUUID();
          const sent = Date.now();
          try {
            await publisher.publish('post.updated', key, { postId });
            published.get(key)!.push(postId);
          } catch (error) {
            failures.push(`${key}: ${(error as Error).message}`);
          }
          slowestMs = Math.max(slowestMs, Date.now() - sent);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }),
    );
    const failedOverMs = await failover;
    await expect
      .poll(() => keys.every((key) => received.get(key)!.length >= published.get(key)!.length), { timeout: 15_000 })
      .toBe(true)
      .catch(() => undefined); // compared below, event by event
    await new Promise((resolve) => setTimeout(resolve, 300)); // a repeat would arrive by now

    const total = [...published.values()].reduce((sum, ids) => sum + ids.length, 0);
    console.log(
      `slow Redis Cluster failover: ${total} events published on ${keys.length} keys (${onVictim.length} on the killed primary), ` +
        `slots served again ${failedOverMs} ms after the kill, slowest publish ${slowestMs} ms, ${failures.length} failed`,
    );
    expect(failedOverMs).toBeGreaterThan(3_500); // slower than ioredis's redirections, or this shows nothing
    expect(onVictim.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    for (const key of keys) expect(received.get(key)).toEqual(published.get(key));
  }, 90_000);
});
