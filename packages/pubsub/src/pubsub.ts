import { Redis } from 'ioredis';
import type { z } from 'zod';
import { closeRedis, watchConnection } from '@curbside/redis';
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
  /** Redis channels and patterns this process is subscribed to (one per channel, however many local subscribers). */
  channels: number;
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
   * it on the topic's channel for `key`. Resolves with the number of processes subscribed to it.
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
  /** Every event of `topic`, whatever its key (one pattern subscription per process). */
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
  /** Redis URL, such as `redis://127.0.0.1:6379`. */
  url: string;
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
}

/**
 * Appends the event to its key's history and publishes `<id> <payload>` in one step, so the history and the
 * channel see events in the same order. The oldest entries beyond the kept count are removed with XDEL rather
 * than trimmed (XADD MAXLEN): only XDEL records `max-deleted-entry-id`, which tells a replay that an event after
 * its id is gone. KEYS[1] history; ARGV: payload, events kept, retention ms, channel.
 */
const publishScript = `
local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[1])
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  local ids = {}
  for i, entry in ipairs(oldest) do ids[i] = entry[1] end
  redis.call('XDEL', KEYS[1], unpack(ids))
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('PUBLISH', ARGV[4], id .. ' ' .. ARGV[1])
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
  ): Promise<number>;
  curbsideReplayLive(
    history: string,
    after: string,
    before: string,
    retentionMs: number,
    most: number,
  ): Promise<['gone'] | ['ok', HistoryEntry[]]>;
}

/** Escapes Redis glob characters, so a prefix is matched literally in a PSUBSCRIBE pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/** A Redis channel or pattern and the local subscribers sharing it. */
interface Feed {
  topic: string;
  sinks: Set<{ deliver(payload: unknown, id: string | null): void; fail(error: unknown): void }>;
  ready: Promise<void>;
}

/**
 * A `PubSub` on Redis pub/sub: one publisher connection, one subscriber connection, and one `SUBSCRIBE` per
 * channel however many local subscribers share it (reference counted: the last one leaving unsubscribes).
 * Redis delivers at most once: an event published while the subscriber connection reconnects is lost.
 */
export function makeRedisPubSub<Topics extends TopicSchemas>(options: RedisPubSubOptions<Topics>): PubSub<Topics> {
  const { topics, logger, keyPrefix } = options;
  const bufferSize = options.bufferSize ?? 100;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new Error(`expects bufferSize to be a positive integer, but got ${bufferSize}`);
  }
  const history: HistoryOptions = { eventsPerKey: () => 100, retentionMs: 600_000, ...options.history };
  const publisher = new Redis(options.url, {
    connectionName: `${options.connectionName}:pub`,
    // Publishing happens after a commit, on a request path: fail fast rather than hold the response.
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
  }) as Redis & HistoryCommands;
  publisher.defineCommand('curbsidePublishLive', { numberOfKeys: 1, lua: publishScript });
  publisher.defineCommand('curbsideReplayLive', { numberOfKeys: 1, lua: replayScript });
  // ioredis resubscribes every channel and pattern by itself after a reconnect.
  const subscriber = new Redis(options.url, {
    connectionName: `${options.connectionName}:sub`,
    maxRetriesPerRequest: null,
  });
  for (const client of [publisher, subscriber]) {
    watchConnection(client, (error) => logger.warn({ err: error }, 'live pub/sub lost Redis; reconnecting'));
  }
  const channels = new Map<string, Feed>();
  const patterns = new Map<string, Feed>();
  let dropped = 0;
  let invalid = 0;
  let closing: Promise<void> | undefined;

  const channelOf = (topic: string, key: string) => `${keyPrefix}live:${topic}:${key}`;
  const historyOf = (topic: string, key: string) => `${keyPrefix}live-history:${topic}:${key}`;
  const patternOf = (topic: string) => `${escapeGlob(keyPrefix)}live:${escapeGlob(topic)}:*`;

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

  /** A message is `<history id> <payload JSON>`. */
  function dispatch(feed: Feed | undefined, channel: string, message: string, kind: 'channel' | 'pattern'): void {
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
    // A pattern's events come from many keys' histories: no single id to resume after.
    const eventId = kind === 'channel' ? id : null;
    for (const sink of feed.sinks) sink.deliver(payload, eventId);
  }
  subscriber.on('message', (channel: string, message: string) =>
    dispatch(channels.get(channel), channel, message, 'channel'),
  );
  subscriber.on('pmessage', (pattern: string, channel: string, message: string) =>
    dispatch(patterns.get(pattern), channel, message, 'pattern'),
  );

  function join<T>(
    feeds: Map<string, Feed>,
    name: string,
    topic: string,
    command: 'subscribe' | 'psubscribe',
    subscribeOptions: SubscribeOptions<T> = {},
  ): Subscription<T> {
    if (closing) throw new Error('This pubsub is closed.');
    schemaOf(topic);
    let feed = feeds.get(name);
    if (!feed) {
      const created: Feed = { topic, sinks: new Set(), ready: Promise.resolve() };
      created.ready = subscriber[command](name).then(
        () => undefined,
        (error: unknown) => {
          // Forget the feed, so the next subscriber tries again; its current subscribers end with the error.
          if (feeds.get(name) === created) feeds.delete(name);
          for (const sink of created.sinks) sink.fail(error);
          throw error;
        },
      );
      created.ready.catch(() => undefined); // observed through each subscription's `ready`
      feeds.set(name, created);
      feed = created;
    }
    const current = feed;
    const subscription: BufferedSubscription<T> = new BufferedSubscription<T>(
      bufferSize,
      () => {
        current.sinks.delete(sink);
        if (current.sinks.size > 0 || feeds.get(name) !== current) return;
        feeds.delete(name);
        if (closing) return;
        const unsubscribe = command === 'subscribe' ? subscriber.unsubscribe(name) : subscriber.punsubscribe(name);
        unsubscribe.catch((error: unknown) => logger.warn({ err: error, channel: name }, 'unsubscribe failed'));
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

  return {
    async publish(topic, key, payload) {
      const checked = schemaOf(topic).parse(payload);
      return publisher.curbsidePublishLive(
        historyOf(topic, key),
        JSON.stringify(checked),
        history.eventsPerKey(topic),
        history.retentionMs,
        channelOf(topic, key),
      );
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
      return join(channels, channelOf(topic, key), topic, 'subscribe', subscribeOptions);
    },
    subscribeAll(topic, subscribeOptions) {
      return join(patterns, patternOf(topic), topic, 'psubscribe', subscribeOptions);
    },
    channelOf,
    stats() {
      let subscribers = 0;
      for (const feed of [...channels.values(), ...patterns.values()]) subscribers += feed.sinks.size;
      return { channels: channels.size, patterns: patterns.size, subscribers, dropped, invalid };
    },
    close() {
      closing ??= (async () => {
        const error = new Error('The live event feed closed.');
        for (const feed of [...channels.values(), ...patterns.values()]) {
          for (const sink of [...feed.sinks]) sink.fail(error);
        }
        channels.clear();
        patterns.clear();
        await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
      })();
      return closing;
    },
  };
}
