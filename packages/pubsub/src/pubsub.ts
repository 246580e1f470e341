// Why this file is long (about 610 lines): the live-event store is one protocol over Redis (publish to a topic
// and append to its history in one Lua script, replay a range, then hand over to the live feed without a gap
// or a repeat) and its correctness rests on the order of those steps. Keeping the scripts, the feed bookkeeping
// and the subscribe/replay hand-over in one file keeps that order readable in one place.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { closeRedis, connectRedis, isCluster, watchConnection, type RedisClient } from '@curbside/redis';
import type { Logger } from '@curbside/service';
import { BufferedSubscription, type Subscription } from './subscription.ts';

/** Topic name → payload schema, declared once (see `liveTopics` in `@curbside/events`). */
export type TopicSchemas = Record<string, z.ZodType>;

export type TopicName<Topics extends TopicSchemas> = keyof Topics & string;
export type TopicPayload<Topics extends TopicSchemas, Topic extends TopicName<Topics>> = z.output<Topics[Topic]>;

export interface SubscribeOptions<T> {
  /** Only events passing this are buffered and delivered to this subscriber. Default: all. */
  filter?: ((payload: T) => boolean) | undefined;
}

/** Where a replay starts and stops: history ids, both exclusive. */
export interface ReplayRange {
  /** The id of the last event the subscriber received. */
  after: string;
  /** Stop before this id (the first event the subscriber already has live); null: up to the newest. */
  before: string | null;
}

/** A replay asked for events this process no longer keeps (or never had): the subscriber must refetch. */
export class HistoryUnavailableError extends Error {}

/** A history id as Redis streams write them: `<milliseconds>-<sequence>`. */
export const historyIdPattern = /^\d{1,15}-\d{1,15}$/;

/** How much of each topic's history is kept for subscribers that reconnect. */
export interface HistoryOptions {
  /** Events kept per topic and key; older ones are trimmed. */
  eventsPerKey: (topic: string) => number;
  /** A history is kept this long after its newest event; a replay after an event older than this is refused. */
  retentionMs: number;
}

export interface PubSubStats {
  /** Keys this process follows (one Redis channel each, however many local subscribers). */
  channels: number;
  /** Topics this process follows whole (`subscribeAll`; `wholeTopicShards` channels each). */
  patterns: number;
  /** Local subscribers, all channels together. */
  subscribers: number;
  /** Events dropped from full subscriber buffers since start. */
  dropped: number;
  /** Received messages refused by their topic's schema since start. */
  invalid: number;
}

/** A typed publish/subscribe: topics and payloads checked at compile time and validated at run time. */
export interface PubSub<Topics extends TopicSchemas> {
  /**
   * Validates `payload` against the topic's schema (throwing a ZodError when it does not match) and publishes
   * it on the topic's channel for `key`. Resolves with the number of processes subscribed to it (0 when a retry
   * found its first try had run). Tried again while Redis does not confirm it, for `publishRetryMs`.
   */
  publish<Topic extends TopicName<Topics>>(topic: Topic, key: string, payload: z.input<Topics[Topic]>): Promise<number>;
  /** The events of `topic` for `key` from now on, until `return()`. */
  subscribe<Topic extends TopicName<Topics>>(
    topic: Topic,
    key: string,
    options?: SubscribeOptions<TopicPayload<Topics, Topic>>,
  ): Subscription<TopicPayload<Topics, Topic>>;
  /**
   * The events of `topic` for `key` published in `range` (both ends exclusive), oldest first, then the end:
   * what a subscriber that reconnects missed. Every event published on a key is also appended to that key's
   * history (a Redis stream, trimmed to `history.eventsPerKey`), and each delivered event carries its id as
   * the subscription's `lastEventId`. Rejects with `HistoryUnavailableError` when some event after
   * `range.after` is no longer kept (trimmed, or older than `history.retentionMs`).
   */
  replay<Topic extends TopicName<Topics>>(
    topic: Topic,
    key: string,
    range: ReplayRange,
    options?: SubscribeOptions<TopicPayload<Topics, Topic>>,
  ): Promise<Subscription<TopicPayload<Topics, Topic>>>;
  /**
   * Every event of `topic`, whatever its key: one subscription per process to the topic's `wholeTopicShards`
   * channels. Only for topics declared in `wholeTopics`, whose events are published there too.
   */
  subscribeAll<Topic extends TopicName<Topics>>(
    topic: Topic,
    options?: SubscribeOptions<TopicPayload<Topics, Topic>>,
  ): Subscription<TopicPayload<Topics, Topic>>;
  /** The Redis channel of `topic` and `key`, prefixed (for operators and tests: `PUBSUB NUMSUB <channel>`). */
  channelOf(topic: TopicName<Topics>, key: string): string;
  stats(): PubSubStats;
  /** Ends every subscription with an error, then closes both connections; idempotent. */
  close(): Promise<void>;
}

export interface RedisPubSubOptions<Topics extends TopicSchemas> {
  /** Redis URL, such as `redis://127.0.0.1:6379` (`rediss://` for TLS; with `clusterNodes`, every node's). */
  url: string;
  /**
   * Redis Cluster seed nodes (`host:port`). With them, events go on sharded pub/sub (SPUBLISH / SSUBSCRIBE): each
   * key's channel lives on the node of its history, not broadcast to every node. Default none: one server.
   */
  clusterNodes?: readonly string[] | undefined;
  /** Prepended to every channel: the service's `REDIS_KEY_PREFIX` (tests use their own). */
  keyPrefix: string;
  topics: Topics;
  /** Shown in CLIENT LIST (`<name>:pub` and `<name>:sub`). */
  connectionName: string;
  logger: Pick<Logger, 'warn'>;
  /** Events buffered per subscriber before the oldest is dropped. Default 100 events. */
  bufferSize?: number;
  /** Default: 100 events per key, kept 10 minutes. */
  history?: Partial<HistoryOptions>;
  /**
   * How long a publish that Redis did not confirm is tried again (a failover, a restart) before it rejects.
   * Default 30_000 (30 seconds): longer than a Redis Cluster failover, whose redirections ioredis gives up on
   * after about 3 seconds. A retry never publishes an event twice (see `publishScript`).
   */
  publishRetryMs?: number;
  /**
   * Topics `subscribeAll` may follow: each of their events is also published on one of the topic's
   * `wholeTopicShards` channels (chosen by key), which `subscribeAll` subscribes to. Default none.
   */
  wholeTopics?: readonly TopicName<Topics>[];
}

/**
 * Channels a whole topic's events are spread over: 16, so that on a cluster they land on several nodes rather
 * than all on one, and a process following the topic holds 16 subscriptions.
 */
export const wholeTopicShards = 16;

/**
 * Publishes being tried again at once, at most (each holds its payload): past it, a publish Redis did not confirm
 * rejects at once, so that a long outage under many publishes cannot grow memory without bound.
 */
const maxRetryingPublishes = 10_000;

/** FNV-1a over the key's UTF-16 units: the same shard for a key in every process. */
function shardOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % wholeTopicShards;
}

/** Orders history ids (`<ms>-<seq>`) as Redis does. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

/**
 * Appends the event to its key's history and publishes `<id> <payload>` in one step, so the history and the
 * channel see events in the same order. The oldest entries beyond the kept count are removed with XDEL rather
 * than trimmed (XADD MAXLEN): only XDEL records `max-deleted-entry-id`, which tells a replay that an event after
 * its id is gone. Each entry keeps its publish's token (`t`): a publish tried again (`check`) after Redis failed
 * to confirm it first looks for its token among the kept entries, and when the first try did run, answers with
 * that entry rather than publishing the event twice (subscribers that missed its message fill it from the
 * history). KEYS[1] history; ARGV: payload, events kept, retention ms, channel, whole-topic channel ('' for none),
 * publish command (PUBLISH, or SPUBLISH on a cluster, where the channel shares the history's hash tag), token,
 * check ('1' on a retry).
 */
const publishScript = `
if ARGV[8] == '1' then
  local kept = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])
  for _, entry in ipairs(kept) do
    local fields = entry[2]
    for i = 1, #fields - 1, 2 do
      if fields[i] == 't' and fields[i + 1] == ARGV[7] then return {0, entry[1] .. ' ' .. ARGV[1]} end
    end
  end
end
local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[1], 't', ARGV[7])
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  local ids = {}
  for i, entry in ipairs(oldest) do ids[i] = entry[1] end
  redis.call('XDEL', KEYS[1], unpack(ids))
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local message = id .. ' ' .. ARGV[1]
local receivers = redis.call(ARGV[6], ARGV[4], message)
if ARGV[5] ~= '' then redis.call(ARGV[6], ARGV[5], message) end
return {receivers, message}
`;

/**
 * The history entries in (after, before), or 'gone' when an event after \`after\` may be missing: \`after\` is
 * older than the retention (the history may have expired and started again), the history is missing (Redis
 * lost it), or an entry after it was removed. KEYS[1] history; ARGV: after, before ('' for the newest),
 * retention ms, most entries.
 */
const replayScript = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local afterMs, afterSeq = parse(ARGV[1])
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if afterMs < nowMs - tonumber(ARGV[3]) or redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then
    local deletedMs, deletedSeq = parse(info[i + 1])
    if deletedMs > afterMs or (deletedMs == afterMs and deletedSeq > afterSeq) then return {'gone'} end
  end
end
local last = ARGV[2] == '' and '+' or '(' .. ARGV[2]
return {'ok', redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], last, 'COUNT', ARGV[4])}
`;

type HistoryEntry = [id: string, fields: string[]];

interface HistoryCommands {
  curbsidePublishLive(
    history: string,
    payload: string,
    eventsKept: number,
    retentionMs: number,
    channel: string,
    wholeChannel: string,
    command: 'PUBLISH' | 'SPUBLISH',
    token: string,
    check: '1' | '',
  ): Promise<[receivers: number, message: string]>;
  curbsideReplayLive(
    history: string,
    after: string,
    before: string,
    retentionMs: number,
    most: number,
  ): Promise<['gone'] | ['ok', HistoryEntry[]]>;
}

/**
 * What this process follows and its local subscribers: one key of a topic (one channel, with a history to fill
 * gaps from), or a whole topic (its shard channels).
 */
interface Feed {
  topic: string;
  /** The key, for a key's feed; null for a whole topic. */
  key: string | null;
  channels: string[];
  sinks: Set<{ deliver(payload: unknown, id: string | null): void; fail(error: unknown): void }>;
  ready: Promise<void>;
  /** A key's feed: the newest history id delivered; null before the first. */
  lastId: string | null;
  /** A time-based id of when the feed was subscribed: where a fill starts before any event was delivered. */
  since: string;
  /** Messages held while the gap after a reconnect is filled from the history, delivered after it. */
  held: { payload: unknown; id: string }[] | null;
}

/**
 * A `PubSub` on Redis pub/sub: one publisher connection, one subscriber connection, and one subscription per
 * channel however many local subscribers share it (reference counted: the last one leaving unsubscribes). On a
 * Redis Cluster it uses sharded pub/sub: a key's channel and its history share a hash tag, so the publish script
 * runs on one node and the message reaches only that shard's subscribers, not every node of the cluster.
 *
 * Redis delivers at most once: a message published while the subscriber connection is down (a reconnect, a
 * failover) never arrives. So once the subscriber is back, each key's feed is filled from its history after the
 * last id it delivered (messages arriving meanwhile held, then delivered in order, none twice): its subscribers
 * miss nothing the history still holds, and end with `HistoryUnavailableError` when it no longer holds what they
 * missed. A whole topic's feed has no single history: what it missed is lost. A publish Redis did not confirm (a
 * failover outlasting ioredis's redirections, a restart) is tried again for `publishRetryMs`, never twice in the
 * history.
 */
export function makeRedisPubSub<Topics extends TopicSchemas>(options: RedisPubSubOptions<Topics>): PubSub<Topics> {
  const { topics, logger, keyPrefix } = options;
  const bufferSize = options.bufferSize ?? 100;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new Error(`expects bufferSize to be a positive integer, but got ${bufferSize}`);
  }
  if (/[{}]/.test(keyPrefix)) {
    // A brace in the prefix would be every channel's hash tag: all of them on one node of a cluster.
    throw new Error(`expects a key prefix without { or }, but got ${JSON.stringify(keyPrefix)}`);
  }
  const history: HistoryOptions = { eventsPerKey: () => 100, retentionMs: 600_000, ...options.history };
  const publishRetryMs = options.publishRetryMs ?? 30_000;
  // A publish's token: this process's, then a count (unique among the publishes a history keeps).
  const processToken = randomBytes(6).toString('base64url');
  let publishes = 0;
  let retrying = 0;
  const cluster = isCluster(options);
  const wholeTopics = new Set<string>(options.wholeTopics ?? []);
  const publisher = connectRedis(options, {
    connectionName: `${options.connectionName}:pub`,
    // Publishing happens after a commit, on a request path: fail fast rather than hold the response. On a cluster,
    // ride out a failover (a second or two of node timeout, then the election) rather than lose the event.
    commandTimeout: cluster ? 5_000 : 1_000,
    maxRetriesPerRequest: 1,
  }) as RedisClient & HistoryCommands;
  publisher.defineCommand('curbsidePublishLive', { numberOfKeys: 1, lua: publishScript });
  publisher.defineCommand('curbsideReplayLive', { numberOfKeys: 1, lua: replayScript });
  // ioredis resubscribes every channel by itself after a reconnect (on a cluster, on each shard's new primary).
  const subscriber = connectRedis(
    options,
    { connectionName: `${options.connectionName}:sub`, maxRetriesPerRequest: null },
    { shardedSubscribers: true },
  );
  for (const client of [publisher, subscriber]) {
    watchConnection(client, (error) => logger.warn({ err: error }, 'live pub/sub lost Redis; reconnecting'));
  }
  const subscribeTo = (channel: string) =>
    (cluster ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel)).then(() => undefined);
  const unsubscribeFrom = (channel: string) =>
    (cluster ? subscriber.sunsubscribe(channel) : subscriber.unsubscribe(channel)).then(() => undefined);

  /** Feeds of one key, by channel; of a whole topic, by topic; and every feed by each of its channels. */
  const keyFeeds = new Map<string, Feed>();
  const wholeFeeds = new Map<string, Feed>();
  const feedOfChannel = new Map<string, Feed>();
  let dropped = 0;
  let invalid = 0;
  let closing: Promise<void> | undefined;

  // The key's hash tag: its channel and its history in one slot of a cluster, different keys spread over slots.
  const tagOf = (topic: string, key: string) => `{${topic}:${key}}`;
  const channelOf = (topic: string, key: string) => `${keyPrefix}live:${tagOf(topic, key)}`;
  const historyOf = (topic: string, key: string) => `${keyPrefix}live-history:${tagOf(topic, key)}`;
  const wholeChannelOf = (topic: string, shard: number) => `${keyPrefix}live-all:{${topic}:${shard}}`;

  function schemaOf(topic: string): z.ZodType {
    if (!Object.hasOwn(topics, topic)) {
      throw new Error(`expects a declared topic (${Object.keys(topics).join(', ')}), but got ${topic}`);
    }
    return topics[topic]!;
  }

  /** The payload of a message or history entry, validated against its topic; undefined (counted) if invalid. */
  function payloadOf(topic: string, text: string, where: string): unknown {
    try {
      const parsed = schemaOf(topic).safeParse(JSON.parse(text));
      if (!parsed.success) throw parsed.error;
      return parsed.data;
    } catch (error) {
      invalid++;
      logger.warn({ err: error, where }, 'live event refused: not valid for its topic');
      return undefined;
    }
  }

  /** Delivers a key's event once: an id not after the last one delivered is a duplicate (a fill and a live copy). */
  function deliverKeyEvent(feed: Feed, payload: unknown, id: string): void {
    if (feed.lastId !== null && compareIds(id, feed.lastId) <= 0) return;
    feed.lastId = id;
    for (const sink of feed.sinks) sink.deliver(payload, id);
  }

  /** A message is `<history id> <payload JSON>`. */
  function dispatch(channel: string, message: string): void {
    const feed = feedOfChannel.get(channel);
    if (!feed) return; // unsubscribed while the message was in flight
    const space = message.indexOf(' ');
    const id = space > 0 ? message.slice(0, space) : '';
    if (!historyIdPattern.test(id)) {
      invalid++;
      logger.warn({ channel }, 'live event refused: it carries no history id');
      return;
    }
    const payload = payloadOf(feed.topic, message.slice(space + 1), channel);
    if (payload === undefined) return;
    if (feed.key === null) {
      // A whole topic's events come from many keys' histories: no single id to resume after.
      for (const sink of feed.sinks) sink.deliver(payload, null);
    } else if (feed.held) {
      feed.held.push({ payload, id });
    } else {
      deliverKeyEvent(feed, payload, id);
    }
  }
  subscriber.on(cluster ? 'smessage' : 'message', dispatch);

  /**
   * Fills what a key's feed missed while the subscriber was away: its channel confirmed again (so nothing falls
   * between the history read and the live messages), then the history after the last delivered id.
   */
  async function fill(feed: Feed): Promise<void> {
    const channel = feed.channels[0]!;
    if (feed.key === null || feed.held || closing || feedOfChannel.get(channel) !== feed) return;
    feed.held = [];
    try {
      await subscribeTo(channel);
      const after = feed.lastId ?? feed.since;
      const reply = await publisher.curbsideReplayLive(
        historyOf(feed.topic, feed.key),
        after,
        '',
        history.retentionMs,
        history.eventsPerKey(feed.topic),
      );
      if (reply[0] === 'gone') {
        // Nothing delivered yet and no history: nothing was published. Otherwise some events are lost for good.
        if (feed.lastId !== null) {
          const error = new HistoryUnavailableError(
            `The ${feed.topic} history of ${feed.key} no longer holds ${after}.`,
          );
          for (const sink of [...feed.sinks]) sink.fail(error);
        }
      } else {
        for (const [id, fields] of reply[1]) {
          const payload = payloadOf(feed.topic, fields[1] ?? '', historyOf(feed.topic, feed.key));
          if (payload !== undefined) deliverKeyEvent(feed, payload, id);
        }
      }
    } catch (error) {
      logger.warn({ err: error, channel }, 'live events missed while reconnecting could not be filled');
    } finally {
      const held = feed.held;
      feed.held = null;
      for (const message of held) deliverKeyEvent(feed, message.payload, message.id);
    }
  }
  const fillAll = () => {
    for (const feed of keyFeeds.values()) void fill(feed);
  };
  if (cluster) {
    // After every change of the shards' subscriber connections (a failover among them), the first one included.
    subscriber.on('subscribersReady', fillAll);
  } else {
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) fillAll();
      connectedBefore = true;
    });
  }

  function join<T>(
    feeds: Map<string, Feed>,
    name: string,
    topic: string,
    key: string | null,
    channels: string[],
    subscribeOptions: SubscribeOptions<T> = {},
  ): Subscription<T> {
    if (closing) throw new Error('This pubsub is closed.');
    schemaOf(topic);
    let feed = feeds.get(name);
    if (!feed) {
      const created: Feed = {
        topic,
        key,
        channels,
        sinks: new Set(),
        ready: Promise.resolve(),
        lastId: null,
        since: '0-0',
        held: null,
      };
      created.ready = Promise.all(channels.map(subscribeTo)).then(
        () => {
          created.since = `${Date.now()}-0`;
        },
        (error: unknown) => {
          // Forget the feed, so the next subscriber tries again; its current subscribers end with the error.
          if (feeds.get(name) === created) forget(feeds, name, created);
          for (const sink of created.sinks) sink.fail(error);
          throw error;
        },
      );
      created.ready.catch(() => undefined); // observed through each subscription's `ready`
      feeds.set(name, created);
      for (const channel of channels) feedOfChannel.set(channel, created);
      feed = created;
    }
    const current = feed;
    const subscription: BufferedSubscription<T> = new BufferedSubscription<T>(
      bufferSize,
      () => {
        current.sinks.delete(sink);
        if (current.sinks.size > 0 || feeds.get(name) !== current) return;
        forget(feeds, name, current);
        if (closing) return;
        for (const channel of current.channels) {
          unsubscribeFrom(channel).catch((error: unknown) =>
            logger.warn({ err: error, channel }, 'unsubscribe failed'),
          );
        }
      },
      current.ready,
      () => void dropped++,
    );
    const { filter } = subscribeOptions;
    const sink = {
      deliver: (payload: unknown, id: string | null) => {
        if (!filter || filter(payload as T)) subscription.push(payload as T, id);
      },
      fail: (error: unknown) => subscription.fail(error),
    };
    current.sinks.add(sink);
    return subscription;
  }

  function forget(feeds: Map<string, Feed>, name: string, feed: Feed): void {
    feeds.delete(name);
    for (const channel of feed.channels) if (feedOfChannel.get(channel) === feed) feedOfChannel.delete(channel);
  }

  return {
    async publish(topic, key, payload) {
      const checked = JSON.stringify(schemaOf(topic).parse(payload));
      const whole = wholeTopics.has(topic) ? wholeChannelOf(topic, shardOf(key)) : '';
      const token = `${processToken}.${(publishes++).toString(36)}`;
      const attempt = async (check: boolean) => {
        const [receivers, message] = await publisher.curbsidePublishLive(
          historyOf(topic, key),
          checked,
          history.eventsPerKey(topic),
          history.retentionMs,
          channelOf(topic, key),
          cluster ? '' : whole,
          cluster ? 'SPUBLISH' : 'PUBLISH',
          token,
          check ? '1' : '',
        );
        // On a cluster the whole topic's channel lies in another slot than the key's history: published on its own.
        if (cluster && whole) await publisher.spublish(whole, message);
        return Number(receivers);
      };
      try {
        return await attempt(false);
      } catch (error) {
        if (closing || publishRetryMs <= 0 || retrying >= maxRetryingPublishes) throw error;
      }
      // Not confirmed: it may or may not have run. Tried again until it is confirmed, the token keeping a run
      // that did happen from publishing the event twice.
      retrying++;
      try {
        const deadline = Date.now() + publishRetryMs;
        for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
          try {
            return await attempt(true);
          } catch (error) {
            if (closing || Date.now() >= deadline) throw error;
          }
        }
      } finally {
        retrying--;
      }
    },
    async replay(topic, key, range, replayOptions = {}) {
      schemaOf(topic);
      for (const id of [range.after, range.before]) {
        if (id !== null && !historyIdPattern.test(id)) throw new Error(`expects a history id, but got ${id}`);
      }
      const most = history.eventsPerKey(topic);
      const reply = await publisher.curbsideReplayLive(
        historyOf(topic, key),
        range.after,
        range.before ?? '',
        history.retentionMs,
        most,
      );
      if (reply[0] === 'gone')
        throw new HistoryUnavailableError(`The ${topic} history of ${key} no longer holds ${range.after}.`);
      const replayed = new BufferedSubscription<TopicPayload<Topics, typeof topic>>(
        most,
        () => undefined,
        Promise.resolve(),
      );
      for (const [id, fields] of reply[1]) {
        const payload = payloadOf(topic, fields[1] ?? '', historyOf(topic, key));
        if (payload === undefined) continue;
        if (!replayOptions.filter || replayOptions.filter(payload as TopicPayload<Topics, typeof topic>)) {
          replayed.push(payload as TopicPayload<Topics, typeof topic>, id);
        }
      }
      replayed.end();
      return replayed;
    },
    subscribe(topic, key, subscribeOptions) {
      const channel = channelOf(topic, key);
      return join(keyFeeds, channel, topic, key, [channel], subscribeOptions);
    },
    subscribeAll(topic, subscribeOptions) {
      if (!wholeTopics.has(topic)) {
        throw new Error(`expects a topic declared in wholeTopics (${[...wholeTopics].join(', ')}), but got ${topic}`);
      }
      const channels = Array.from({ length: wholeTopicShards }, (_, shard) => wholeChannelOf(topic, shard));
      return join(wholeFeeds, topic, topic, null, channels, subscribeOptions);
    },
    channelOf,
    stats() {
      let subscribers = 0;
      for (const feed of [...keyFeeds.values(), ...wholeFeeds.values()]) subscribers += feed.sinks.size;
      return { channels: keyFeeds.size, patterns: wholeFeeds.size, subscribers, dropped, invalid };
    },
    close() {
      closing ??= (async () => {
        const error = new Error('The live event feed closed.');
        for (const feed of [...keyFeeds.values(), ...wholeFeeds.values()]) {
          for (const sink of [...feed.sinks]) sink.fail(error);
        }
        keyFeeds.clear();
        wholeFeeds.clear();
        feedOfChannel.clear();
        await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
      })();
      return closing;
    },
  };
}
