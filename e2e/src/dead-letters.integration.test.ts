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
  eventBatchJobId,
  eventBatchJobName,
  eventJobOptions,
  listDeadLetters,
  queueOptions,
  retryDeadLetter,
  startEventConsumer,
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
  for (const name of ['media.process', 'search.index', deadLetterQueueName]) {
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

  it('handles the valid events of a batch job and dead-letters an invalid one alone, which a retry queues alone', async () => {
    const handled: string[][] = [];
    consumer = startEventConsumer({
      queue: 'search.index',
      consumer: 'workers',
      ...bus,
      logger,
      handle: async (event) => void handled.push([event.id]),
      batch: { maxSize: 10, handle: async (events) => void handled.push(events.map((event) => event.id)) },
    });
    const post = (body: string) => {
      const id = randomUUID();
      return {
        id,
        name: 'post.created',
        payload: { postId: randomUUID(), authorId: randomUUID(), vendorId: null, mediaIds: [], body },
        occurredAt: new Date().toISOString(),
      };
    };
    const good = [post('first'), post('second')];
    const bad = { ...post('third'), payload: { postId: 'not-a-uuid' } };
    const searchQueue = new Queue('search.index', queueOptions(bus, 'search.index'));
    const ids = [good[0]!.id, bad.id, good[1]!.id];
    await searchQueue.add(
      eventBatchJobName,
      { events: [good[0], bad, good[1]] },
      { ...eventJobOptions, jobId: eventBatchJobId(ids) },
    );
    await waitFor('the batch job to complete', async () =>
      (await searchQueue.getJob(eventBatchJobId(ids)))?.isCompleted(),
    );
    expect(handled.flat().sort()).toEqual([good[0]!.id, good[1]!.id].sort());
    expect(await listDeadLetters(bus)).toContainEqual(
      expect.objectContaining({ queue: 'search.index', jobId: bad.id, name: 'post.created', data: bad }),
    );
    // Retried, it is a job of its own, which fails again at once (its payload can never be valid).
    expect(await retryDeadLetter(`search.index/${bad.id}`, bus)).toBe(true);
    await waitFor('the retried event to fail again', async () => (await searchQueue.getJob(bad.id))?.isFailed());
    await searchQueue.close();
  });
});
