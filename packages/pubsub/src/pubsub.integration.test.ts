import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeRedis, connectRedis, isCluster, redisTargetFromEnv, type RedisClient } from '@curbside/redis';
import { HistoryUnavailableError, makeRedisPubSub, type HistoryOptions, type PubSub } from './index.ts';

/** The run's Redis: the machine's server, or the cluster of `pnpm test:cluster` (sharded pub/sub). */
const target = redisTargetFromEnv(process.env);
const cluster = isCluster(target);
const topics = {
  'thing.changed': z.object({ thingId: z.string(), version: z.number().int() }),
  'thing.deleted': z.object({ thingId: z.string() }),
};
const warnings: unknown[] = [];
const logger = { warn: (object: unknown) => void warnings.push(object) };

let admin: RedisClient;
const opened: PubSub<typeof topics>[] = [];

function pubsub(
  keyPrefix: string,
  bufferSize?: number,
  history?: Partial<HistoryOptions>,
  connectionName = 'pubsub-test',
): PubSub<typeof topics> {
  const created = makeRedisPubSub({
    ...target,
    keyPrefix,
    topics,
    wholeTopics: ['thing.changed'],
    connectionName,
    logger,
    ...(bufferSize ? { bufferSize } : {}),
    ...(history ? { history } : {}),
  });
  opened.push(created);
  return created;
}

/** A prefix of its own per test: no other test or run can see or count its channels. */
const freshPrefix = () => `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:pubsub-${randomBytes(3).toString('hex')}:`;

/** The primaries (the only node on one server): where subscribers connect. */
const primaries = (): Redis[] => (admin instanceof Cluster ? admin.nodes('master') : [admin]);

/** Subscriptions to `channel` (on a cluster, sharded ones, held by the primary of its slot). */
async function numsub(channel: string): Promise<number> {
  let count = 0;
  for (const node of primaries()) {
    const reply = (await node.call('PUBSUB', cluster ? 'SHARDNUMSUB' : 'NUMSUB', channel)) as [string, number];
    count += Number(reply[1]);
  }
  return count;
}

/** Publishes around the pub/sub's validation, as no publisher of this package would. */
const publishRaw = (channel: string, message: string) =>
  cluster ? admin.spublish(channel, message) : admin.publish(channel, message);

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  admin = connectRedis(target, { connectionName: 'pubsub-test-admin' });
  await admin.ping();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((created) => created.close()));
  warnings.length = 0;
});
afterAll(async () => {
  await closeRedis(admin);
});

describe('Redis PubSub', () => {
  it('delivers a validated payload on the prefixed channel of its topic and key, and not other keys', async () => {
    const prefix = freshPrefix();
    const live = pubsub(prefix);
    const one = live.subscribe('thing.changed', 'a');
    const other = live.subscribe('thing.changed', 'b');
    await Promise.all([one.ready, other.ready]);
    // The key's hash tag: on a cluster, its channel and its history share a slot, other keys spread over others.
    expect(live.channelOf('thing.changed', 'a')).toBe(`${prefix}live:{thing.changed:a}`);
    expect(await numsub(`${prefix}live:{thing.changed:a}`)).toBe(1);

    expect(await live.publish('thing.changed', 'a', { thingId: 'a', version: 1 })).toBe(1);
    expect(await one.next()).toEqual({ value: { thingId: 'a', version: 1 }, done: false });
    await live.publish('thing.changed', 'b', { thingId: 'b', version: 7 });
    expect(await other.next()).toEqual({ value: { thingId: 'b', version: 7 }, done: false });
    await one.return();
    await other.return();
  });

  it('shares one SUBSCRIBE between local subscribers and unsubscribes when the last one leaves', async () => {
    const live = pubsub(freshPrefix());
    const channel = live.channelOf('thing.changed', 'shared');
    const first = live.subscribe('thing.changed', 'shared');
    const second = live.subscribe('thing.changed', 'shared');
    await Promise.all([first.ready, second.ready]);
    expect(await numsub(channel)).toBe(1);
    expect(live.stats()).toMatchObject({ channels: 1, subscribers: 2 });

    expect(await live.publish('thing.changed', 'shared', { thingId: 's', version: 1 })).toBe(1);
    expect((await first.next()).value).toEqual({ thingId: 's', version: 1 });
    expect((await second.next()).value).toEqual({ thingId: 's', version: 1 });

    await first.return();
    expect(await numsub(channel)).toBe(1); // the other subscriber still holds it
    await live.publish('thing.changed', 'shared', { thingId: 's', version: 2 });
    expect((await second.next()).value).toEqual({ thingId: 's', version: 2 });

    await second.return();
    await waitUntil('the channel to be released', async () => (await numsub(channel)) === 0);
    expect(live.stats()).toMatchObject({ channels: 0, subscribers: 0 });
  });

  it('return() releases the channel at once while a next() is pending, which resolves done', async () => {
    const live = pubsub(freshPrefix());
    const channel = live.channelOf('thing.changed', 'pending');
    const subscription = live.subscribe('thing.changed', 'pending');
    await subscription.ready;
    const pending = subscription.next();
    await subscription.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    await waitUntil('the channel to be released', async () => (await numsub(channel)) === 0);
    expect(await subscription.next()).toEqual({ value: undefined, done: true });
  });

  it('throw() releases the channel and rejects with the error', async () => {
    const live = pubsub(freshPrefix());
    const channel = live.channelOf('thing.changed', 'thrown');
    const subscription = live.subscribe('thing.changed', 'thrown');
    await subscription.ready;
    await expect(subscription.throw(new Error('stop'))).rejects.toThrow('stop');
    await waitUntil('the channel to be released', async () => (await numsub(channel)) === 0);
  });

  it('refuses an invalid payload on publish, and drops an invalid message on receipt', async () => {
    const prefix = freshPrefix();
    const live = pubsub(prefix);
    await expect(
      live.publish('thing.changed', 'x', { thingId: 'x', version: 'one' } as unknown as {
        thingId: string;
        version: number;
      }),
    ).rejects.toThrow(/version/);
    const subscription = live.subscribe('thing.changed', 'x');
    await subscription.ready;
    // A message no publisher of this package would send: published raw, around the validation.
    await publishRaw(live.channelOf('thing.changed', 'x'), JSON.stringify({ thingId: 'x' }));
    await publishRaw(live.channelOf('thing.changed', 'x'), 'not json');
    await publishRaw(live.channelOf('thing.changed', 'x'), `1-0 ${JSON.stringify({ thingId: 'x' })}`);
    await live.publish('thing.changed', 'x', { thingId: 'x', version: 3 });
    expect((await subscription.next()).value).toEqual({ thingId: 'x', version: 3 });
    expect(live.stats().invalid).toBe(3);
    expect(warnings).toHaveLength(3);
    await subscription.return();
  });

  it('keeps the newest events when a subscriber falls behind, counting the dropped ones', async () => {
    const live = pubsub(freshPrefix(), 2);
    const slow = live.subscribe('thing.changed', 'slow');
    await slow.ready;
    for (let version = 1; version <= 5; version++) {
      await live.publish('thing.changed', 'slow', { thingId: 'slow', version });
    }
    await waitUntil('the events to arrive', () => live.stats().dropped === 3);
    expect(slow.dropped).toBe(3);
    expect((await slow.next()).value).toMatchObject({ version: 4 });
    expect((await slow.next()).value).toMatchObject({ version: 5 });
    await slow.return();
  });

  it('subscribeAll receives every key of a topic through its shard channels, filtered per subscriber', async () => {
    const live = pubsub(freshPrefix());
    const all = live.subscribeAll('thing.changed');
    const even = live.subscribeAll('thing.changed', { filter: (payload) => payload.version % 2 === 0 });
    await Promise.all([all.ready, even.ready]);
    expect(live.stats()).toMatchObject({ patterns: 1, subscribers: 2 });
    // Enough keys to land on every shard channel (and, on a cluster, every node).
    const keys = Array.from({ length: 40 }, (_, index) => `k${index}`);
    for (const [index, key] of keys.entries()) {
      await live.publish('thing.changed', key, { thingId: key, version: index });
    }
    await live.publish('thing.deleted', 'p', { thingId: 'p' }); // another topic: not followed
    const received: number[] = [];
    for (const _ of keys) received.push((await all.next()).value!.version);
    // Shard channels of a cluster lie on different nodes: their events arrive in no set order between them.
    expect(received.sort((a, b) => a - b)).toEqual(keys.map((_, index) => index));
    const evens: number[] = [];
    for (let count = 0; count < keys.length / 2; count++) evens.push((await even.next()).value!.version);
    expect(evens.sort((a, b) => a - b)).toEqual(keys.map((_, index) => index).filter((index) => index % 2 === 0));
    await all.return();
    await even.return();
    expect(live.stats()).toMatchObject({ patterns: 0, subscribers: 0 });
  });

  it('refuses subscribeAll on a topic not declared whole (its events are not published for it)', () => {
    const live = pubsub(freshPrefix());
    expect(() => live.subscribeAll('thing.deleted')).toThrow(/wholeTopics/);
  });

  it('fills what a key subscriber missed while its connection was down from the history, in order, once', async () => {
    const name = `pubsub-gap-${randomBytes(3).toString('hex')}`;
    const live = pubsub(freshPrefix(), undefined, undefined, name);
    const subscription = live.subscribe('thing.changed', 'gap');
    await subscription.ready;
    await live.publish('thing.changed', 'gap', { thingId: 'gap', version: 1 });
    expect((await subscription.next()).value).toMatchObject({ version: 1 });
    // Cut this pub/sub's subscriber connection(s) where Redis holds them; it reconnects by itself.
    let killed = 0;
    for (const node of primaries()) {
      const clients = String(await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      for (const line of clients.split('\n')) {
        if (!line.includes(`${name}:sub`)) continue;
        await node.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
        killed++;
      }
    }
    expect(killed).toBeGreaterThan(0);
    // Published at once, before the subscriber is back (ioredis waits before reconnecting): missed live.
    for (let version = 2; version <= 5; version++) {
      await live.publish('thing.changed', 'gap', { thingId: 'gap', version });
    }
    const versions: number[] = [];
    for (let count = 0; count < 4; count++) versions.push((await subscription.next()).value!.version);
    expect(versions).toEqual([2, 3, 4, 5]);
    await waitUntil(
      'the subscriber to be back',
      async () => (await numsub(live.channelOf('thing.changed', 'gap'))) === 1,
    );
    await live.publish('thing.changed', 'gap', { thingId: 'gap', version: 6 });
    expect((await subscription.next()).value).toMatchObject({ version: 6 });
    expect(subscription.lastEventId).toMatch(/^\d+-\d+$/);
    await subscription.return();
  });

  it('does not deliver across prefixes', async () => {
    const mine = pubsub(freshPrefix());
    const theirs = pubsub(freshPrefix());
    const subscription = mine.subscribe('thing.changed', 'k');
    await subscription.ready;
    expect(await theirs.publish('thing.changed', 'k', { thingId: 'k', version: 1 })).toBe(0);
    expect(await mine.publish('thing.changed', 'k', { thingId: 'k', version: 2 })).toBe(1);
    expect((await subscription.next()).value).toMatchObject({ version: 2 });
    await subscription.return();
  });

  it('close() ends live subscriptions with an error, is idempotent, and refuses new subscribers', async () => {
    const live = pubsub(freshPrefix());
    const subscription = live.subscribe('thing.changed', 'closing');
    await subscription.ready;
    const pending = expect(subscription.next()).rejects.toThrow('closed');
    await Promise.all([live.close(), live.close()]);
    await pending;
    expect(await subscription.next()).toEqual({ value: undefined, done: true });
    expect(() => live.subscribe('thing.changed', 'closing')).toThrow('closed');
    await expect(live.publish('thing.changed', 'k', { thingId: 'k', version: 1 })).rejects.toThrow();
  });

  describe('history, for subscribers that reconnect', () => {
    async function publishVersions(live: PubSub<typeof topics>, key: string, count: number): Promise<string[]> {
      const subscription = live.subscribe('thing.changed', key);
      await subscription.ready;
      const ids: string[] = [];
      for (let version = 1; version <= count; version++) {
        await live.publish('thing.changed', key, { thingId: key, version });
        expect((await subscription.next()).value).toMatchObject({ version });
        ids.push(subscription.lastEventId!);
      }
      await subscription.return();
      return ids;
    }

    async function versionsOf(replayed: AsyncIterable<{ version: number }>): Promise<number[]> {
      const versions: number[] = [];
      for await (const event of replayed) versions.push(event.version);
      return versions;
    }

    it('gives every delivered event its history id, and replays the events between two ids, in order', async () => {
      const live = pubsub(freshPrefix());
      const ids = await publishVersions(live, 'h', 5);
      expect(new Set(ids).size).toBe(5);
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);

      const rest = await live.replay('thing.changed', 'h', { after: ids[1]!, before: null });
      expect(await versionsOf(rest)).toEqual([3, 4, 5]);
      expect(rest.lastEventId).toBe(ids[4]);
      const between = await live.replay('thing.changed', 'h', { after: ids[0]!, before: ids[3]! });
      expect(await versionsOf(between)).toEqual([2, 3]);
      expect(await versionsOf(await live.replay('thing.changed', 'h', { after: ids[4]!, before: null }))).toEqual([]);
      const odd = await live.replay(
        'thing.changed',
        'h',
        { after: ids[0]!, before: null },
        {
          filter: (event) => event.version % 2 === 1,
        },
      );
      expect(await versionsOf(odd)).toEqual([3, 5]);
    });

    it('refuses a replay once an event after its id was trimmed, and replays from a kept one', async () => {
      const live = pubsub(freshPrefix(), undefined, { eventsPerKey: () => 3 });
      const ids = await publishVersions(live, 'trimmed', 5);
      await expect(live.replay('thing.changed', 'trimmed', { after: ids[0]!, before: null })).rejects.toThrow(
        HistoryUnavailableError,
      );
      const kept = await live.replay('thing.changed', 'trimmed', { after: ids[1]!, before: null });
      expect(await versionsOf(kept)).toEqual([3, 4, 5]);
    });

    it('refuses a replay after an id older than the retention, and a history Redis does not hold', async () => {
      const live = pubsub(freshPrefix(), undefined, { retentionMs: 300 });
      const [id] = await publishVersions(live, 'old', 1);
      expect(await versionsOf(await live.replay('thing.changed', 'old', { after: id!, before: null }))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await expect(live.replay('thing.changed', 'old', { after: id!, before: null })).rejects.toThrow(
        HistoryUnavailableError,
      );
      const recent = `${Date.now()}-0`;
      await expect(live.replay('thing.changed', 'never', { after: recent, before: null })).rejects.toThrow(
        HistoryUnavailableError,
      );
      await expect(live.replay('thing.changed', 'old', { after: 'yesterday', before: null })).rejects.toThrow(
        /history id/,
      );
    });

    it('gives no history id to events of a whole topic', async () => {
      const live = pubsub(freshPrefix());
      const all = live.subscribeAll('thing.changed');
      await all.ready;
      await live.publish('thing.changed', 'p', { thingId: 'p', version: 1 });
      expect((await all.next()).value).toMatchObject({ version: 1 });
      expect(all.lastEventId).toBeNull();
      await all.return();
    });
  });
});
