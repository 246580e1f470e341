import { liveTopics, type LiveTopics } from '@curbside/events';
import { clientError } from '@curbside/errors';
import { makeRedisPubSub, type PubSub, type Subscription, type TopicName, type TopicPayload } from '@curbside/pubsub';
import type { Logger } from '@curbside/service';
import type { z } from 'zod';

/** The live topics of every subgraph, on one typed pub/sub. */
export type LivePubSub = PubSub<LiveTopics>;
export type LiveTopic = TopicName<LiveTopics>;

/** One process's live pub/sub on Redis, channels under `keyPrefix` (the service's `REDIS_KEY_PREFIX`). */
export function makeLivePubSub(options: {
  url: string;
  keyPrefix: string;
  connectionName: string;
  logger: Logger;
}): LivePubSub {
  return makeRedisPubSub({ ...options, topics: liveTopics });
}

/**
 * Publishes a live event once its change has committed. A failure is logged and swallowed: the change is
 * already committed, so the mutation succeeded; live subscribers miss this one event (pub/sub is at most once).
 */
export async function publishCommitted<Topic extends LiveTopic>(
  pubsub: LivePubSub,
  logger: Logger,
  topic: Topic,
  key: string,
  payload: z.input<LiveTopics[Topic]>,
): Promise<void> {
  try {
    await pubsub.publish(topic, key, payload);
  } catch (error) {
    logger.error({ err: error, topic, key }, 'live event not published; its change is committed');
  }
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
