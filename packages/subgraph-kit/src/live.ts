import type { GatewaySubscribe } from '@curbside/auth';
import { liveTopicHistory, liveTopics, type LiveTopics } from '@curbside/events';
import { clientError } from '@curbside/errors';
import {
  HistoryUnavailableError,
  makeRedisPubSub,
  type PubSub,
  type ReplayRange,
  type SubscribeOptions,
  type Subscription,
  type TopicName,
  type TopicPayload,
} from '@curbside/pubsub';
import type { Logger } from '@curbside/service';
import type { z } from 'zod';

/** The live topics of every subgraph, on one typed pub/sub. */
export type LivePubSub = PubSub<LiveTopics>;
export type LiveTopic = TopicName<LiveTopics>;

/** One process's live pub/sub on Redis, channels under `keyPrefix` (the service's `REDIS_KEY_PREFIX`). */
export function makeLivePubSub(options: {
  url: string;
  /** Redis Cluster seed nodes (`REDIS_CLUSTER_NODES`): sharded pub/sub on them. Default none: one server. */
  clusterNodes?: readonly string[] | undefined;
  keyPrefix: string;
  connectionName: string;
  logger: Logger;
}): LivePubSub {
  return makeRedisPubSub({
    ...options,
    topics: liveTopics,
    // vendorsNearby follows every vendor's position.
    wholeTopics: ['vendor.location'],
    history: { eventsPerKey: (topic) => liveTopicHistory[topic as LiveTopic], retentionMs: liveHistoryRetentionMs },
  });
}

/** How long a subscriber that lost its connection can still catch up on what it missed: 10 minutes. */
export const liveHistoryRetentionMs = 10 * 60_000;

/**
 * A subscription operation's request to replay history instead of following live events (the gateway sends it
 * as `extensions.replay` when a client resumes with `lastEventId`); null for a live subscription.
 */
export type LiveReplay = ReplayRange;

/**
 * How a subscription runs (see `GatewaySubscribe`): for its viewer (`viewer`, also every query and mutation),
 * only to say whether its viewer may subscribe (`authorize`), or as the gateway's shared upstream (`shared`).
 */
export type SubscribeMode = GatewaySubscribe['mode'];

/**
 * True for the gateway's shared upstream, which runs for no viewer: a subscribe resolver skips its rule about
 * the viewer then (UNAUTHENTICATED, FORBIDDEN), because the gateway had the subgraph apply it to each viewer
 * (`authorize`) before letting them join. Checks that do not depend on the viewer (NOT_FOUND) still run. A
 * resolver that forgets this fails closed: its `requireViewer` refuses the shared upstream (no viewer).
 */
export function isSharedUpstream(context: { subscribeMode: SubscribeMode }): boolean {
  return context.subscribeMode === 'shared';
}

/**
 * What a subscribe resolver returns when it only answers whether its viewer may subscribe (`authorize`): every
 * check passed, and no event will follow. Redis is not touched.
 */
function authorizedOnly<T>(): Subscription<T> {
  const done = async (): Promise<IteratorResult<T, undefined>> => ({ value: undefined, done: true });
  return {
    dropped: 0,
    ready: Promise.resolve(),
    lastEventId: null,
    next: done,
    return: done,
    throw: async (error?: unknown) => Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const cannotResume = (message: string) => clientError('SUBSCRIPTION_CANNOT_RESUME', message);

/**
 * The events a subscription resolver returns: live ones from now on, or, when the operation asks for a replay,
 * the kept events of that range and then the end. Call it after the resolver's own checks, so a replay is
 * authorized exactly as a live subscription is.
 */
export async function liveEvents<Topic extends LiveTopic>(
  pubsub: LivePubSub,
  context: { replay: LiveReplay | null; subscribeMode: SubscribeMode },
  topic: Topic,
  key: string,
): Promise<Subscription<TopicPayload<LiveTopics, Topic>>> {
  if (context.subscribeMode === 'authorize') return authorizedOnly();
  if (!context.replay) return confirmed(pubsub.subscribe(topic, key));
  try {
    return await pubsub.replay(topic, key, context.replay);
  } catch (error) {
    if (error instanceof HistoryUnavailableError) {
      throw cannotResume('Some events since lastEventId are no longer kept; refetch, then subscribe again.');
    }
    throw clientError('SERVICE_UNAVAILABLE', 'Live updates are unavailable right now; retry.');
  }
}

/** For subscriptions over many keys at once (a pattern), which keep no single history to resume from. */
export function refuseReplay(context: { replay: LiveReplay | null }): void {
  if (context.replay) throw cannotResume('This subscription cannot resume; refetch, then subscribe again.');
}

/**
 * The live events of every key of `topic` that pass `options.filter` (one pattern subscription per process),
 * like `liveEvents` for a single key. Such a subscription keeps no single history: a replay is refused.
 */
export async function liveEventsOfAll<Topic extends LiveTopic>(
  pubsub: LivePubSub,
  context: { replay: LiveReplay | null; subscribeMode: SubscribeMode },
  topic: Topic,
  options: SubscribeOptions<TopicPayload<LiveTopics, Topic>>,
): Promise<Subscription<TopicPayload<LiveTopics, Topic>>> {
  refuseReplay(context);
  if (context.subscribeMode === 'authorize') return authorizedOnly();
  return confirmed(pubsub.subscribeAll(topic, options));
}

/**
 * How long a resolver or event handler waits for its live event to be published before it goes on: a publish
 * takes about a millisecond, but through a Redis failover it is tried again for up to 30 seconds (see
 * `RedisPubSubOptions.publishRetryMs`), longer than a mutation's response should wait.
 */
const publishWaitMs = 2_000;

/**
 * Publishes a live event once its change has committed, waiting at most `publishWaitMs` for Redis to confirm it
 * (the publish goes on after that). A publish that fails for good is logged and swallowed: the change is already
 * committed, so the mutation succeeded; live subscribers miss this one event (pub/sub is at most once).
 */
export async function publishCommitted<Topic extends LiveTopic>(
  pubsub: LivePubSub,
  logger: Logger,
  topic: Topic,
  key: string,
  payload: z.input<LiveTopics[Topic]>,
): Promise<void> {
  const published = pubsub.publish(topic, key, payload).then(
    () => undefined,
    (error: unknown) => logger.error({ err: error, topic, key }, 'live event not published; its change is committed'),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([published, new Promise<void>((resolve) => (timer = setTimeout(resolve, publishWaitMs)))]);
  clearTimeout(timer);
}

/**
 * Waits until Redis confirmed a subscription, so an event published after the subscribe resolver returned is
 * delivered; a Redis that cannot be reached is `SERVICE_UNAVAILABLE` for the client, at subscribe time.
 */
export async function confirmed<Topic extends LiveTopic>(
  subscription: Subscription<TopicPayload<LiveTopics, Topic>>,
): Promise<Subscription<TopicPayload<LiveTopics, Topic>>> {
  try {
    await subscription.ready;
    return subscription;
  } catch {
    await subscription.return();
    throw clientError('SERVICE_UNAVAILABLE', 'Live updates are unavailable right now; retry.');
  }
}
