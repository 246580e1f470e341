import { z } from 'zod';

/**
 * Domain events, declared once: name and payload schema. Subgraphs record them in their outbox in the
 * same transaction as the change; workers (a later deployable) validate them again when consuming.
 */
export const domainEvents = {
  'user.registered': z.object({ userId: z.uuid(), username: z.string(), displayName: z.string() }),
  'user.logged_in': z.object({ userId: z.uuid() }),
  'user.logged_out': z.object({ userId: z.uuid() }),
  'user.session_reuse_detected': z.object({ userId: z.uuid(), familyId: z.uuid() }),
  'user.role_changed': z.object({ userId: z.uuid(), role: z.enum(['USER', 'ADMIN']) }),
  'user.profile_updated': z.object({ userId: z.uuid(), displayName: z.string(), bio: z.string().nullable() }),
  'user.password_changed': z.object({ userId: z.uuid() }),
  'user.followed': z.object({ followerId: z.uuid(), followeeId: z.uuid() }),
  'user.unfollowed': z.object({ followerId: z.uuid(), followeeId: z.uuid() }),
  'user.suspended': z.object({ userId: z.uuid(), reason: z.string() }),
  'user.unsuspended': z.object({ userId: z.uuid() }),
  'user.deleted': z.object({ userId: z.uuid() }),
  'vendor.created': z.object({
    vendorId: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    isOpen: z.boolean(),
  }),
  'vendor.updated': z.object({
    vendorId: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    isOpen: z.boolean(),
  }),
  'vendor.deleted': z.object({ vendorId: z.uuid(), ownerId: z.uuid() }),
  'vendor.opened': z.object({ vendorId: z.uuid(), ownerId: z.uuid(), openedAt: z.iso.datetime() }),
  'vendor.closed': z.object({ vendorId: z.uuid(), ownerId: z.uuid(), closedAt: z.iso.datetime() }),
  'vendor.followed': z.object({ vendorId: z.uuid(), userId: z.uuid() }),
  'vendor.unfollowed': z.object({ vendorId: z.uuid(), userId: z.uuid() }),
  'media.upload_requested': z.object({
    mediaId: z.uuid(),
    ownerId: z.uuid(),
    contentType: z.string(),
    byteSize: z.number().int().positive(),
  }),
  /**
   * The bytes arrived and passed the upload checks (type, size, readable header); they are kept privately
   * until processed (metadata stripped, thumbnail made): the media is PROCESSING.
   */
  'media.received': z.object({
    mediaId: z.uuid(),
    ownerId: z.uuid(),
    contentType: z.string(),
    byteSize: z.number().int().positive(),
  }),
  /** Processed: the image is served without its metadata, with a thumbnail; the media is READY. */
  'media.uploaded': z.object({
    mediaId: z.uuid(),
    ownerId: z.uuid(),
    contentType: z.string(),
    byteSize: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  }),
  /** Processing failed for good (an image that cannot be decoded, or too many pixels): the media is FAILED. */
  'media.failed': z.object({ mediaId: z.uuid(), ownerId: z.uuid(), reason: z.string() }),
  'media.deleted': z.object({ mediaId: z.uuid(), ownerId: z.uuid() }),
  'post.created': z.object({
    postId: z.uuid(),
    authorId: z.uuid(),
    vendorId: z.uuid().nullable(),
    mediaIds: z.array(z.uuid()),
    /** The text, for the search index (absent from events recorded before it was added). */
    body: z.string().default(''),
  }),
  'post.updated': z.object({ postId: z.uuid(), authorId: z.uuid(), body: z.string().default('') }),
  'post.deleted': z.object({ postId: z.uuid(), authorId: z.uuid() }),
  'post.liked': z.object({ postId: z.uuid(), userId: z.uuid(), authorId: z.uuid() }),
  'post.unliked': z.object({ postId: z.uuid(), userId: z.uuid(), authorId: z.uuid() }),
  'comment.added': z.object({
    commentId: z.uuid(),
    postId: z.uuid(),
    authorId: z.uuid(),
    postAuthorId: z.uuid(),
    /** Earlier commenters on the post (not the author of this comment), at most 100: they are notified. */
    participantIds: z.array(z.uuid()).max(100).default([]),
  }),
  'comment.deleted': z.object({ commentId: z.uuid(), postId: z.uuid(), authorId: z.uuid() }),
} as const;

export type DomainEventName = keyof typeof domainEvents;
export type DomainEventPayload<Name extends DomainEventName> = z.infer<(typeof domainEvents)[Name]>;

/** Validates a payload against its declared schema; throws a ZodError naming the bad fields. */
export function parseDomainEvent<Name extends DomainEventName>(name: Name, payload: unknown): DomainEventPayload<Name> {
  return domainEvents[name].parse(payload) as DomainEventPayload<Name>;
}

/** The channel a subgraph's database notifies on each committed outbox insert; relays LISTEN on it. */
export const outboxChannel = 'outbox_event';

/** An event as it travels from an outbox to a consumer's queue, with fields common to every event. */
interface EnvelopeOf<Name extends DomainEventName> {
  /** The outbox row id; also the job id in every queue, so an event is never queued twice. */
  id: string;
  name: Name;
  payload: DomainEventPayload<Name>;
  /** ISO-8601; consumers use it to apply events about one entity in order. */
  occurredAt: string;
}

/**
 * An event as it travels from an outbox to a consumer's queue. Given a union of names (the default: every
 * event) it is the union of one envelope per name, discriminated by `name`: a `switch (event.name)` or an
 * `if (event.name === ...)` narrows `payload` to that event's declared schema, with no cast.
 */
export type EventEnvelope<Name extends DomainEventName = DomainEventName> = Name extends DomainEventName
  ? EnvelopeOf<Name>
  : never;

/** Any domain event: the discriminated union of every declared event (see EventEnvelope). */
export type DomainEvent = EventEnvelope;

/** The event of that name (one member of DomainEvent; given several names, the union of theirs). */
export type EventNamed<Name extends DomainEventName> = EventEnvelope<Name>;

/**
 * The deployables that consume queues: the workers deployable (workers/), or a subgraph's own process when the
 * queue keeps a copy that subgraph reads on every request (it must live next to its database and geo index).
 */
export const eventConsumers = ['workers', 'location-subgraph', 'post-subgraph'] as const;
export type EventConsumerName = (typeof eventConsumers)[number];

/** One queue: the events copied into it and the one deployable that consumes it. */
export interface EventQueueDeclaration {
  consumedBy: EventConsumerName;
  events: readonly DomainEventName[];
  /**
   * Whether the relay puts the events of one relay batch into one job (for a consumer that handles events in
   * batches, so that BullMQ's work per job is paid once per batch). Default false: one job per event.
   */
  batched?: boolean;
}

/**
 * Who consumes what, declared once: queue name → the deployable that consumes it and the events copied into
 * it. The relay puts each event into every queue that lists it; each deployable starts exactly its queues.
 */
export const eventQueues = {
  /** The location subgraph's copy of each vendor's owner and open state. */
  'location.vendor-copy': {
    consumedBy: 'location-subgraph',
    events: ['vendor.created', 'vendor.updated', 'vendor.opened', 'vendor.closed', 'vendor.deleted'],
  },
  /** The post subgraph's copy of each media's owner and readiness (a post may only attach its author's READY media). */
  'post.media-copy': { consumedBy: 'post-subgraph', events: ['media.uploaded', 'media.deleted'] },
  /** The post subgraph's copy of each vendor's owner (only the owner may post as the vendor). */
  'post.vendor-copy': { consumedBy: 'post-subgraph', events: ['vendor.created', 'vendor.updated', 'vendor.deleted'] },

  // Handled by the workers deployable (workers/), each with the owning subgraph's code and database.
  /** The search subgraph's full-text index of users, vendors and posts. */
  'search.index': {
    consumedBy: 'workers',
    batched: true,
    events: [
      'user.registered',
      'user.profile_updated',
      'user.deleted',
      'vendor.created',
      'vendor.updated',
      'vendor.deleted',
      'post.created',
      'post.updated',
      'post.deleted',
    ],
  },
  /** The post subgraph's copy of who follows whom (users and vendors), for the feed. */
  'post.follow-copy': {
    consumedBy: 'workers',
    events: ['user.followed', 'user.unfollowed', 'vendor.followed', 'vendor.unfollowed', 'user.deleted'],
  },
  /** Notifications, stored by the user subgraph (which keeps a copy of vendor followers for them). */
  'user.notifications': {
    consumedBy: 'workers',
    events: [
      'user.followed',
      'post.liked',
      'comment.added',
      'post.created',
      'vendor.opened',
      'vendor.followed',
      'vendor.unfollowed',
    ],
  },
  /** Thumbnail and metadata stripping of each received image, which then becomes READY (or FAILED). */
  'media.process': { consumedBy: 'workers', events: ['media.received'] },
  /** A closed account's data, removed or anonymised by each subgraph that owns some of it. */
  'user.account-cleanup': { consumedBy: 'workers', events: ['user.deleted'] },
  'vendor.account-cleanup': { consumedBy: 'workers', events: ['user.deleted'] },
  'post.account-cleanup': { consumedBy: 'workers', events: ['user.deleted'] },
  'media.account-cleanup': { consumedBy: 'workers', events: ['user.deleted'] },
} as const satisfies Record<string, EventQueueDeclaration>;

export type EventQueueName = keyof typeof eventQueues;

/** The names of the events a queue receives. */
export type EventNameOfQueue<Queue extends EventQueueName> = (typeof eventQueues)[Queue]['events'][number];

/** The events a queue receives: a union discriminated by `name` (see EventEnvelope). */
export type EventOfQueue<Queue extends EventQueueName> = EventEnvelope<EventNameOfQueue<Queue>>;

/** The deployable a queue is declared to be consumed by. */
export type ConsumerOfQueue<Queue extends EventQueueName> = (typeof eventQueues)[Queue]['consumedBy'];

/** The queues a deployable is declared to consume. */
export type QueueConsumedBy<Consumer extends EventConsumerName> = {
  [Queue in EventQueueName]: ConsumerOfQueue<Queue> extends Consumer ? Queue : never;
}[EventQueueName];

const queueNames = Object.keys(eventQueues) as EventQueueName[];

/** The event names a queue receives, widened for lookups by a name not yet known to be one of them. */
const eventNamesOf = (queue: EventQueueName): readonly DomainEventName[] => eventQueues[queue].events;

/** The queues an event goes to. */
export function queuesFor(name: string): EventQueueName[] {
  return queueNames.filter((queue) => eventNamesOf(queue).some((event) => event === name));
}

/** Whether the relay groups a queue's events into batch jobs (see EventQueueDeclaration.batched). */
export const isBatchedQueue = (queue: EventQueueName): boolean =>
  (eventQueues[queue] as EventQueueDeclaration).batched === true;

/** The queues a deployable is declared to consume, in declaration order. */
export function queuesConsumedBy<Consumer extends EventConsumerName>(consumer: Consumer): QueueConsumedBy<Consumer>[] {
  return queueNames.filter((queue): queue is QueueConsumedBy<Consumer> => eventQueues[queue].consumedBy === consumer);
}

/** An event that can never be handled: not an envelope, not of the queue, or a payload its schema refuses. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

const envelopeSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  payload: z.unknown(),
  occurredAt: z.iso.datetime({ offset: true }),
});

/**
 * Validates an event taken from `queue` against the one declaration: an envelope, of an event the queue
 * receives, whose payload matches that event's schema (with its defaults applied). Throws InvalidEventError
 * saying what was expected and what came.
 */
export function parseEventOfQueue<Queue extends EventQueueName>(queue: Queue, data: unknown): EventOfQueue<Queue> {
  const envelope = envelopeSchema.safeParse(data);
  if (!envelope.success) throw new InvalidEventError(`Invalid event envelope: ${envelope.error.message}`);
  const { id, name, payload, occurredAt } = envelope.data;
  const declared = eventNamesOf(queue).find((event) => event === name);
  if (!declared) {
    throw new InvalidEventError(
      `The ${queue} queue receives ${eventNamesOf(queue).join(', ')}, but got a ${JSON.stringify(name)} event`,
    );
  }
  const parsed = domainEvents[declared].safeParse(payload);
  if (!parsed.success) throw new InvalidEventError(`Invalid ${declared} payload: ${parsed.error.message}`);
  // TypeScript cannot relate `declared` to the schema it indexed (a correlated union), so it is asserted once,
  // here, where the name and the payload were just checked against the same declaration.
  return { id, name: declared, payload: parsed.data, occurredAt } as EventOfQueue<Queue>;
}

/**
 * Live topics, declared once: name → payload schema. Unlike domain events they are not stored: a subgraph
 * (or a worker, for notifications) publishes one on Redis pub/sub after its transaction commits, keyed by the
 * entity it is about (the vendor, post or media id) or by the user it is for, and subscription resolvers read
 * the entity fresh when it arrives.
 */
export const liveTopics = {
  /**
   * A vendor's new position, keyed by vendorId. Not a domain event as well: no queue wants positions, and at one
   * a second per moving vendor they would fill the outbox.
   */
  'vendor.location': z.object({
    vendorId: z.uuid(),
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    accuracyMeters: z.number().nonnegative().nullable(),
    updatedAt: z.iso.datetime(),
  }),
  /** A vendor opened, closed or was edited, keyed by vendorId. */
  'vendor.status': z.object({ vendorId: z.uuid() }),
  /** A comment was added to a post, keyed by postId. */
  'post.comment': z.object({ commentId: z.uuid(), postId: z.uuid() }),
  /** A post's body, likes or comments changed, keyed by postId. */
  'post.updated': z.object({ postId: z.uuid() }),
  /** A media became READY or FAILED, or was deleted, keyed by mediaId. */
  'media.status': z.object({ mediaId: z.uuid(), ownerId: z.uuid() }),
  /** A notification was stored for a user, keyed by the recipient's user id (their subscription reads it fresh). */
  'notification.received': z.object({ notificationId: z.uuid(), recipientId: z.uuid() }),
} as const;

export type LiveTopics = typeof liveTopics;

/**
 * Events kept per key of each topic for subscribers that reconnect (they get what they missed, up to this
 * many). A position supersedes the last one, so few are kept; comments and notifications each matter.
 */
export const liveTopicHistory: Record<keyof LiveTopics, number> = {
  'vendor.location': 20,
  'vendor.status': 20,
  'post.comment': 100,
  'post.updated': 20,
  'media.status': 10,
  'notification.received': 100,
};
export type LiveTopicName = keyof LiveTopics;
