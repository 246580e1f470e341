import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { ZodError } from 'zod';
import { parseDomainEvent, type EventEnvelope, type EventOfQueue, type EventQueueName } from '@curbside/events';
import type { Logger } from '@curbside/service';
import { eventJobOptions } from './relay.ts';

/** The queue of scheduled jobs (one BullMQ job scheduler per scheduled job, named after it). */
export const scheduledQueueName = 'scheduled';

/** Where jobs that can never succeed, or exhausted their retries, are kept for an admin to see and retry. */
export const deadLetterQueueName = 'dead-letter';

/** What the dead-letter queue keeps of a failed job; its own job id is `deadLetterId(queue, jobId)`. */
export interface DeadLetter {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  failedAt: string;
}

/** A dead letter's id: the source queue and the job id (the event id), so a job is dead-lettered once. */
export const deadLetterId = (queue: string, jobId: string) => `${queue}/${jobId}`;

/** One queue's handler, declared once with the queue it consumes (whose events are declared in @curbside/events). */
export interface EventHandler<Queue extends EventQueueName = EventQueueName> {
  queue: Queue;
  /** Jobs handled at once. Default 4. */
  concurrency?: number;
  /**
   * Must be idempotent: an event may be delivered more than once (a worker killed mid-job, a retry after a
   * partial failure). Throw `UnrecoverableError` for a job that can never succeed: it fails at once.
   */
  handle(event: EventOfQueue<Queue>): Promise<void>;
}

/** Declares a handler, typing its events from the queue's declaration. */
export const defineEventHandler = <Queue extends EventQueueName>(handler: EventHandler<Queue>) => handler;

export interface EventConsumerOptions {
  queue: EventQueueName;
  connection: ConnectionOptions;
  prefix: string;
  logger: Logger;
  /** Jobs handled at once. Default 4. */
  concurrency?: number;
  /** Must be idempotent: an event may be delivered more than once. */
  handle(event: EventEnvelope): Promise<void>;
}

export interface EventConsumer {
  close(): Promise<void>;
}

function isFinalFailure(job: Job, error: Error): boolean {
  return (
    error instanceof UnrecoverableError ||
    error.name === 'UnrecoverableError' ||
    job.attemptsMade >= (job.opts.attempts ?? 1)
  );
}

/**
 * Consumes one queue. Payloads are validated again here, against the same declaration the producer
 * used; one that can never be valid fails at once, without retries. A job that fails for good (invalid, or
 * out of retries) is copied to the dead-letter queue; it also stays in its own queue's failed set, from where
 * `retryDeadLetter` puts it back.
 */
export function startEventConsumer(options: EventConsumerOptions): EventConsumer {
  const deadLetters = new Queue<DeadLetter>(deadLetterQueueName, {
    connection: options.connection,
    prefix: options.prefix,
  });
  const worker = new Worker<EventEnvelope>(
    options.queue,
    async (job) => {
      let event: EventEnvelope;
      try {
        event = { ...job.data, payload: parseDomainEvent(job.data.name, job.data.payload) } as EventEnvelope;
      } catch (error) {
        if (error instanceof ZodError)
          throw new UnrecoverableError(`Invalid ${job.data.name} payload: ${error.message}`);
        throw error;
      }
      await options.handle(event);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 4,
      // A worker that dies (kill -9) leaves its jobs active with a lock: they are taken up again once the lock
      // expires, so a short lock (renewed every 5 s while a job runs) gets them done again within seconds.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, error) => {
    options.logger.warn(
      { err: error, queue: options.queue, jobId: job?.id, event: job?.name, attempts: job?.attemptsMade },
      'event handler failed',
    );
    if (!job?.id || !isFinalFailure(job, error)) return;
    const letter: DeadLetter = {
      queue: options.queue,
      jobId: job.id,
      name: job.name,
      data: job.data,
      failedReason: error.message,
      attemptsMade: job.attemptsMade,
      failedAt: new Date().toISOString(),
    };
    deadLetters
      .add(job.name, letter, { jobId: deadLetterId(options.queue, job.id), removeOnComplete: true })
      .catch((deadLetterError) =>
        options.logger.error({ err: deadLetterError, jobId: job.id }, 'cannot record a dead letter'),
      );
  });
  // A job retried from the dashboard that now succeeded is no longer a dead letter.
  worker.on('completed', (job) => {
    if (!job.id || !job.failedReason) return;
    void deadLetters.remove(deadLetterId(options.queue, job.id)).catch(() => undefined);
  });
  worker.on('error', (error) => options.logger.warn({ err: error }, 'event consumer connection error'));
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= worker.close().finally(() => deadLetters.close());
      return closing;
    },
  };
}

/** Starts a consumer for each handler. */
export function startEventHandlers(
  handlers: EventHandler[],
  options: Omit<EventConsumerOptions, 'queue' | 'handle' | 'concurrency'>,
): EventConsumer {
  const consumers = handlers.map((handler) =>
    startEventConsumer({
      ...options,
      queue: handler.queue,
      ...(handler.concurrency ? { concurrency: handler.concurrency } : {}),
      handle: handler.handle as (event: EventEnvelope) => Promise<void>,
    }),
  );
  return { close: () => Promise.all(consumers.map((consumer) => consumer.close())).then(() => undefined) };
}

/** The dead letters, oldest first. */
export async function listDeadLetters(options: {
  connection: ConnectionOptions;
  prefix: string;
}): Promise<DeadLetter[]> {
  const queue = new Queue<DeadLetter>(deadLetterQueueName, options);
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    return jobs.map((job) => job.data);
  } finally {
    await queue.close();
  }
}

/**
 * Puts a dead-lettered job back in its own queue (the same job, so the same event id and data) and removes the
 * dead letter. Returns false when there is no such dead letter.
 */
export async function retryDeadLetter(
  id: string,
  options: { connection: ConnectionOptions; prefix: string },
): Promise<boolean> {
  const deadLetters = new Queue<DeadLetter>(deadLetterQueueName, options);
  try {
    const letter = await deadLetters.getJob(id);
    if (!letter) return false;
    const source = new Queue(letter.data.queue, options);
    try {
      const job = await source.getJob(letter.data.jobId);
      if (job && (await job.isFailed())) await job.retry('failed', { resetAttemptsMade: true });
      else if (!job)
        await source.add(letter.data.name, letter.data.data, { ...eventJobOptions, jobId: letter.data.jobId });
    } finally {
      await source.close();
    }
    await letter.remove();
    return true;
  } finally {
    await deadLetters.close();
  }
}
