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
}

/** Escapes Redis glob characters, so a prefix is matched literally in a PSUBSCRIBE pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/** A Redis channel or pattern and the local subscribers sharing it. */
interface Feed {
  topic: string;
  sinks: Set<{ deliver(payload: unknown): void; fail(error: unknown): void }>;
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
  const publisher = new Redis(options.url, {
    connectionName: `${options.connectionName}:pub`,
    // Publishing happens after a commit, on a request path: fail fast rather than hold the response.
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
  });
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
  const patternOf = (topic: string) => `${escapeGlob(keyPrefix)}live:${escapeGlob(topic)}:*`;

  function schemaOf(topic: string): z.ZodType {
    if (!Object.hasOwn(topics, topic)) {
      throw new Error(`expects a declared topic (${Object.keys(topics).join(', ')}), but got ${topic}`);
    }
    return topics[topic]!;
  }

  function dispatch(feed: Feed | undefined, channel: string, message: string): void {
    if (!feed) return; // unsubscribed while the message was in flight
    let payload: unknown;
    try {
      const parsed = schemaOf(feed.topic).safeParse(JSON.parse(message));
      if (!parsed.success) throw parsed.error;
      payload = parsed.data;
    } catch (error) {
      invalid++;
      logger.warn({ err: error, channel }, 'live event refused: not valid for its topic');
      return;
    }
    for (const sink of feed.sinks) sink.deliver(payload);
  }
  subscriber.on('message', (channel: string, message: string) => dispatch(channels.get(channel), channel, message));
  subscriber.on('pmessage', (pattern: string, channel: string, message: string) =>
    dispatch(patterns.get(pattern), channel, message),
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
      deliver: (payload: unknown) => {
        if (!filter || filter(payload as T)) subscription.push(payload as T);
      },
      fail: (error: unknown) => subscription.fail(error),
    };
    current.sinks.add(sink);
    return subscription;
  }

  return {
    async publish(topic, key, payload) {
      const checked = schemaOf(topic).parse(payload);
      return publisher.publish(channelOf(topic, key), JSON.stringify(checked));
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
