import { describe, expect, it } from 'vitest';
import { defineEventHandler } from '@curbside/event-bus';
import { queuesConsumedBy } from '@curbside/events';
import { assertAllQueuesHandled } from './workers.ts';

const noop = async () => undefined;

describe('assertAllQueuesHandled', () => {
  it('accepts one handler of each queue declared for the workers', () => {
    const handlers = queuesConsumedBy('workers').map((queue) => defineEventHandler({ queue, handle: noop }));
    expect(() => assertAllQueuesHandled(handlers)).not.toThrow();
  });

  it('names the workers’ queues no handler consumes', () => {
    const handlers = queuesConsumedBy('workers')
      .filter((queue) => queue !== 'media.process' && queue !== 'search.index')
      .map((queue) => defineEventHandler({ queue, handle: noop }));
    expect(() => assertAllQueuesHandled(handlers)).toThrow(
      'The workers consume search.index, media.process (see eventQueues), but no module handles them',
    );
  });
});
