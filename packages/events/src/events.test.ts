import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  domainEvents,
  eventConsumers,
  eventQueues,
  InvalidEventError,
  parseEventOfQueue,
  queuesConsumedBy,
  queuesFor,
  type ConsumerOfQueue,
  type EventNamed,
  type EventOfQueue,
  type EventQueueName,
  type QueueConsumedBy,
} from './index.ts';

const queueNames = Object.keys(eventQueues) as EventQueueName[];
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('event types, from the one declaration', () => {
  it('make a queue’s events a union discriminated by name, narrowed by a switch without casts', () => {
    expectTypeOf<EventOfQueue<'post.media-copy'>['name']>().toEqualTypeOf<'media.uploaded' | 'media.deleted'>();
    expectTypeOf<EventNamed<'vendor.opened'>['payload']>().toEqualTypeOf<{
      vendorId: string;
      ownerId: string;
      openedAt: string;
    }>();
    const widthOf = (event: EventOfQueue<'post.media-copy'>): number | null => {
      switch (event.name) {
        case 'media.uploaded':
          expectTypeOf(event.payload.width).toEqualTypeOf<number>();
          return event.payload.width;
        case 'media.deleted':
          // @ts-expect-error a deleted media's payload has no width
          return event.payload.width;
      }
    };
    expect(widthOf).toBeTypeOf('function');
  });

  it('refuse, at typecheck, an event name the queue does not receive', () => {
    const isUserDeletion = (event: EventOfQueue<'media.process'>) =>
      // @ts-expect-error media.process never receives user.deleted: the comparison cannot be true
      event.name === 'user.deleted';
    expect(isUserDeletion).toBeTypeOf('function');
    const deleted: EventNamed<'vendor.deleted'> = {
      id: '1',
      name: 'vendor.deleted',
      payload: { vendorId: uuid(1), ownerId: uuid(2) },
      occurredAt: '2026-12-01T10:00:00.000Z',
    };
    const ofLocationCopy: EventOfQueue<'location.vendor-copy'> = deleted;
    // @ts-expect-error post.media-copy receives media events only
    const ofMediaCopy: EventOfQueue<'post.media-copy'> = deleted;
    expect([ofLocationCopy, ofMediaCopy]).toHaveLength(2);
  });

  it('give each queue its one consumer, and each consumer its queues', () => {
    expectTypeOf<ConsumerOfQueue<'location.vendor-copy'>>().toEqualTypeOf<'location-subgraph'>();
    expectTypeOf<QueueConsumedBy<'post-subgraph'>>().toEqualTypeOf<'post.media-copy' | 'post.vendor-copy'>();
    expectTypeOf<QueueConsumedBy<'location-subgraph'>>().toEqualTypeOf<'location.vendor-copy'>();
  });
});

describe('eventQueues', () => {
  it('declares every queue consumed by exactly one known deployable', () => {
    for (const queue of queueNames) expect(eventConsumers).toContain(eventQueues[queue].consumedBy);
    const byConsumer = eventConsumers.flatMap((consumer) => queuesConsumedBy(consumer));
    expect([...byConsumer].sort()).toEqual([...queueNames].sort());
    expect(queuesConsumedBy('location-subgraph')).toEqual(['location.vendor-copy']);
    expect(queuesConsumedBy('post-subgraph')).toEqual(['post.media-copy', 'post.vendor-copy']);
  });

  it('lists only declared events, and routes each event to the queues listing it', () => {
    for (const queue of queueNames) {
      for (const name of eventQueues[queue].events) expect(Object.keys(domainEvents)).toContain(name);
    }
    expect(queuesFor('media.received')).toEqual(['media.process']);
    expect(queuesFor('vendor.deleted')).toEqual(['location.vendor-copy', 'post.vendor-copy', 'search.index']);
    expect(queuesFor('not.an-event')).toEqual([]);
  });
});

describe('parseEventOfQueue', () => {
  const envelope = (name: string, payload: unknown) => ({
    id: 'e1',
    name,
    payload,
    occurredAt: '2026-12-01T10:00:00.000Z',
  });

  it('returns the event with its payload validated and defaulted, typed as one of the queue’s events', () => {
    const event = parseEventOfQueue(
      'search.index',
      envelope('post.created', { postId: uuid(1), authorId: uuid(2), vendorId: null, mediaIds: [] }),
    );
    expectTypeOf(event).toEqualTypeOf<EventOfQueue<'search.index'>>();
    expect(event).toEqual({
      id: 'e1',
      name: 'post.created',
      payload: { postId: uuid(1), authorId: uuid(2), vendorId: null, mediaIds: [], body: '' },
      occurredAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('refuses an event the queue does not receive, naming what it receives', () => {
    expect(() =>
      parseEventOfQueue('media.process', envelope('media.deleted', { mediaId: uuid(1), ownerId: uuid(2) })),
    ).toThrow(
      new InvalidEventError('The media.process queue receives media.received, but got a "media.deleted" event'),
    );
  });

  it('refuses a payload its schema refuses, and what is not an envelope', () => {
    expect(() => parseEventOfQueue('media.process', envelope('media.received', { mediaId: 'nope' }))).toThrow(
      /^Invalid media.received payload: /,
    );
    expect(() => parseEventOfQueue('media.process', { name: 'media.received' })).toThrow(InvalidEventError);
    expect(() => parseEventOfQueue('media.process', 'media.received')).toThrow(/^Invalid event envelope: /);
  });
});
