/**
 * Retries and the dead-letter queue, on real Redis: a handler that always fails is retried with backoff and
 * then dead-lettered; one with an invalid payload, or an event its queue does not receive, at once; an admin's retry runs the same job again.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  bullConnection,
  defineEventHandler,
  deadLetterQueueName,
  eventJobOptions,
  listDeadLetters,
  queueOptions,
  retryDeadLetter,
  startEventHandlers,
  type EventConsumer,
} from '@curbside/event-bus';
import { createLogger } from '@curbside/service';
import { redisUrl, waitFor } from './index.ts';

const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:dead-letters:bull`;
const connection = bullConnection(redisUrl);
const bus = { connection, prefix };
const queue = new Queue('media.process', queueOptions(bus, 'media.process'));
const logger = createLogger('dead-letters-test', 'silent');
let consumer: EventConsumer | undefined;

afterEach(async () => {
  await consumer?.close();
  consumer = undefined;
});
afterAll(async () => {
  for (const name of ['media.process', deadLetterQueueName]) {
    const created = new Queue(name, queueOptions(bus, name));
    await created.obliterate({ force: true }).catch(() => undefined);
    await created.close();
  }
  await queue.close();
});

const received = () => ({
  mediaId: randomUUID(),
  ownerId: randomUUID(),
  contentType: 'image/png',
  byteSize: 10,
});

async function enqueue(payload: unknown, name = 'media.received'): Promise<string> {
  const id = randomUUID();
  await queue.add(
    name,
    { id, name, payload, occurredAt: new Date().toISOString() },
    { ...eventJobOptions, jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 20 } },
  );
  return id;
}

describe('the dead-letter queue', () => {
  it('takes a job whose handler always fails after its retries; an admin retry runs that same job again', async () => {
    let failing = true;
    const attempts: string[] = [];
    consumer = startEventHandlers(
      [
        defineEventHandler({
          queue: 'media.process',
          async handle(event) {
            attempts.push(event.payload.mediaId);
            if (failing) throw new Error('the image service is on fire');
          },
        }),
      ],
      { ...bus, consumer: 'workers', logger },
    );
    const payload = received();
    const jobId = await enqueue(payload);
    const [letter] = await waitFor('the dead letter', async () => {
      const letters = await listDeadLetters(bus);
      return letters.length > 0 ? letters : null;
    });
    expect(letter).toMatchObject({
      queue: 'media.process',
      jobId,
      name: 'media.received',
      failedReason: 'the image service is on fire',
      attemptsMade: 3,
    });
    expect(attempts).toEqual([payload.mediaId, payload.mediaId, payload.mediaId]);

    failing = false;
    expect(await retryDeadLetter(`media.process/${jobId}`, bus)).toBe(true);
    await waitFor('the retried job to complete', async () => (await queue.getJob(jobId))?.isCompleted());
    expect(attempts).toHaveLength(4);
    expect(await listDeadLetters(bus)).toEqual([]);
    expect(await retryDeadLetter(`media.process/${jobId}`, bus)).toBe(false);
  });

  it('takes a job with an invalid payload at once, without retries', async () => {
    let calls = 0;
    consumer = startEventHandlers([defineEventHandler({ queue: 'media.process', handle: async () => void calls++ })], {
      ...bus,
      consumer: 'workers',
      logger,
    });
    const jobId = await enqueue({ ...received(), byteSize: -4 });
    const [letter] = await waitFor('the dead letter', async () => {
      const letters = (await listDeadLetters(bus)).filter((entry) => entry.jobId === jobId);
      return letters.length > 0 ? letters : null;
    });
    expect(letter?.attemptsMade).toBe(1);
    expect(letter?.failedReason).toMatch(/Invalid media.received payload/);
    expect(calls).toBe(0);
  });

  it('takes an event the queue does not receive at once, without reaching the handler', async () => {
    let calls = 0;
    consumer = startEventHandlers([defineEventHandler({ queue: 'media.process', handle: async () => void calls++ })], {
      ...bus,
      consumer: 'workers',
      logger,
    });
    // A valid media.uploaded, but media.process is declared to receive only media.received.
    const jobId = await enqueue({ ...received(), width: 1, height: 1 }, 'media.uploaded');
    const [letter] = await waitFor('the dead letter', async () => {
      const letters = (await listDeadLetters(bus)).filter((entry) => entry.jobId === jobId);
      return letters.length > 0 ? letters : null;
    });
    expect(letter?.attemptsMade).toBe(1);
    expect(letter?.failedReason).toMatch(
      /The media.process queue receives media.received, but got a "media.uploaded" event/,
    );
    expect(calls).toBe(0);
  });
});
