/**
 * Where each queue is consumed, as running: in a full stack (every subgraph and the workers deployable), each
 * queue declared in eventQueues has BullMQ workers, all of them from the one deployable its `consumedBy`
 * names (startEventConsumer names each worker after its deployable).
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueOptions } from '@curbside/event-bus';
import { eventQueues, type EventQueueName } from '@curbside/events';
import { startStack, waitFor, type TestStack } from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ countSubgraphRequests: false });
});
afterAll(async () => {
  await stack?.stop();
});

/** The deployables whose workers are connected to `queue` (a worker's Redis client is named `…:w:<name>`). */
async function consumersOf(queue: Queue): Promise<string[]> {
  const workers = await queue.getWorkers();
  return [...new Set(workers.map((worker) => String(worker['rawname']).split(':w:')[1] ?? '(unnamed)'))].sort();
}

describe('queue consumers', () => {
  it('consume every queue from exactly the deployable it declares', async () => {
    const names = Object.keys(eventQueues) as EventQueueName[];
    const queues = names.map((name) => new Queue(name, queueOptions(stack.eventBus, name)));
    try {
      const declared = Object.fromEntries(names.map((name) => [name, [eventQueues[name].consumedBy]]));
      // Workers name their connections as they connect, just after the stack has started them.
      const running = await waitFor('every queue to have its workers', async () => {
        const found = Object.fromEntries(
          await Promise.all(queues.map(async (queue) => [queue.name, await consumersOf(queue)] as const)),
        );
        return Object.values(found).every((consumers) => consumers.length > 0) ? found : null;
      });
      expect(running).toEqual(declared);
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
    }
  });
});
