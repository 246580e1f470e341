import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventNamed, EventOfQueue } from '@curbside/events';
import { createLogger } from '@curbside/service';
import { bullConnection } from './connection.ts';
import {
  defineEventHandler,
  startEventConsumer,
  startEventHandlers,
  type EventHandler,
  type WorkersEventHandler,
} from './consumer.ts';

// Never connected to: every start below is refused before any connection is made.
const bus = {
  connection: bullConnection('redis://127.0.0.1:6379'),
  prefix: 'curbside:unit:never-used:bull',
  logger: createLogger('consumer-test', 'silent'),
};
const noop = async () => undefined;

describe('defineEventHandler', () => {
  it('gives the handler exactly its queue’s events, the payload narrowed by name', () => {
    const handler = defineEventHandler({
      queue: 'location.vendor-copy',
      async handle(event) {
        expectTypeOf(event).toEqualTypeOf<EventOfQueue<'location.vendor-copy'>>();
        if (event.name === 'vendor.created') expectTypeOf(event.payload.isOpen).toEqualTypeOf<boolean>();
        if (event.name === 'vendor.opened') expectTypeOf(event.payload.openedAt).toEqualTypeOf<string>();
      },
    });
    expect(handler.queue).toBe('location.vendor-copy');
  });

  it('refuses, at typecheck, a handler of another queue’s events or of only some of its queue’s', () => {
    const onlyRegistrations = async (event: EventNamed<'user.registered'>) => void event.payload.username;
    // @ts-expect-error search.index also receives vendor and post events, which this handler would be given
    defineEventHandler({ queue: 'search.index', handle: onlyRegistrations });
    // @ts-expect-error media.process receives media.received, not user.registered
    defineEventHandler({ queue: 'media.process', handle: onlyRegistrations });
    // A handler of the union keeps each queue tied to its own events.
    // @ts-expect-error a user.account-cleanup handler is not given media.received events
    const mixed: EventHandler = {
      queue: 'media.process',
      handle: async (event: EventOfQueue<'user.account-cleanup'>) => void event,
    };
    expect(mixed.queue).toBe('media.process'); // the assertion is the @ts-expect-error above
  });

  it('refuses, at typecheck, a workers handler of a queue a subgraph consumes', () => {
    // @ts-expect-error location.vendor-copy is declared consumedBy: 'location-subgraph'
    const handler: WorkersEventHandler = defineEventHandler({ queue: 'location.vendor-copy', handle: noop });
    expect(handler.queue).toBe('location.vendor-copy'); // the assertion is the @ts-expect-error above
  });
});

describe('startEventHandlers', () => {
  it('refuses a handler of a queue another deployable consumes, starting nothing', () => {
    const handlers = [
      defineEventHandler({ queue: 'media.process', handle: noop }),
      defineEventHandler({ queue: 'post.media-copy', handle: noop }),
    ];
    // @ts-expect-error post.media-copy is the post subgraph's
    expect(() => startEventHandlers(handlers, { ...bus, consumer: 'workers' })).toThrow(
      'The post.media-copy queue is declared consumed by post-subgraph, but workers tried to consume it',
    );
  });

  it('refuses two handlers of one queue (each would take only some of its events)', () => {
    const handlers = [
      defineEventHandler({ queue: 'media.process', handle: noop }),
      defineEventHandler({ queue: 'media.process', handle: noop }),
    ];
    expect(() => startEventHandlers(handlers, { ...bus, consumer: 'workers' })).toThrow(
      'The media.process queue has more than one handler',
    );
  });
});

describe('startEventConsumer', () => {
  it('refuses a consumer other than the one the queue declares', () => {
    expect(() =>
      // @ts-expect-error location.vendor-copy is declared consumedBy: 'location-subgraph'
      startEventConsumer({ ...bus, queue: 'location.vendor-copy', consumer: 'workers', handle: noop }),
    ).toThrow(
      'The location.vendor-copy queue is declared consumed by location-subgraph, but workers tried to consume it',
    );
  });
});
