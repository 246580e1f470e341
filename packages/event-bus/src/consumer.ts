import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  eventQueues,
  InvalidEventError,
  parseEventOfQueue,
  type ConsumerOfQueue,
  type EventConsumerName,
  type EventOfQueue,
  type EventQueueName,
  type QueueConsumedBy,
} from '@curbside/events';
import type { Logger } from '@curbside/service';
import { withConsumerSpan } from '@curbside/tracing';
import { eventBatchJobName, makeEventBatcher } from './batch.ts';
import { makeRunningJobs } from './running-jobs.ts';
import { defaultStallWatch, watchForStall, type StallWatchSettings } from './stall-watch.ts';
import { queueOptions } from './connection.ts';
import { deadLetterId, deadLetterQueueName, type DeadLetter } from './dead-letters.ts';

/** The queue of scheduled jobs (one BullMQ job scheduler per scheduled job, named after it). */
export const scheduledQueueName = 'scheduled';

/** One queue's handler, declared with the queue it consumes (whose events are declared in @curbside/events). */
export interface HandlerOf<Queue extends EventQueueName> {
  queue: Queue;
  /** Jobs handled at once. Default 4. */
  concurrency?: number;
  /**
   * Given only the events the queue receives, as a union discriminated by `name` (a switch narrows the payload).
   * Must be idempotent: an event may be delivered more than once (a worker killed mid-job, a retry after a
   * partial failure). Throw `UnrecoverableError` for a job that can never succeed: it fails at once.
   */
  // A property, not a method: methods' parameters are checked bivariantly, which would let a handler of only
  // some of the queue's events compile.
  handle: (event: EventOfQueue<Queue>) => Promise<void>;
  /** Handles the queue's events in batches (see EventBatchHandling). Default: one at a time, with `handle`. */
  batch?: EventBatchHandling<EventOfQueue<Queue>>;
}

/**
 * A consumer that takes its jobs one by one from BullMQ but handles their events together: each job waits for
 * its event's batch. One batch runs at a time; the events that arrive meanwhile form the next, so a burst is
 * written in few transactions while a lone event goes at once. A batch that fails is handled again one event at
 * a time with `handle`, so an event that can never succeed fails alone.
 */
export interface EventBatchHandling<Event> {
  /** Most events in one batch. */
  maxSize: number;
  /**
   * Must leave the same result as `handle` applied to each event in `occurredAt` order (events about one entity
   * may come in one batch), and be idempotent.
   */
  handle: (events: Event[]) => Promise<void>;
}

/**
 * A queue's handler. Given a union of queues (the default: any queue), the union of one handler per queue, so
 * a list of handlers of different queues keeps each handler's events tied to its queue.
 */
export type EventHandler<Queue extends EventQueueName = EventQueueName> = Queue extends EventQueueName
  ? HandlerOf<Queue>
  : never;

/** A handler of one of the queues the workers deployable consumes. */
export type WorkersEventHandler = EventHandler<QueueConsumedBy<'workers'>>;

/** Declares a handler, typing its events from the queue's declaration. */
export const defineEventHandler = <Queue extends EventQueueName>(handler: HandlerOf<Queue>): HandlerOf<Queue> =>
  handler;

export interface EventConsumerOptions<Queue extends EventQueueName = EventQueueName> {
  queue: Queue;
  /**
   * The deployable starting this consumer: must be the one the queue declares (`consumedBy` in eventQueues), so
   * a queue moved to another deployable fails typecheck where it used to be started. It also names the BullMQ
   * worker, so `Queue.getWorkers()` shows who consumes each queue.
   */
  consumer: ConsumerOfQueue<Queue>;
  connection: ConnectionOptions;
  prefix: string;
  logger: Logger;
  /** Jobs handled at once. Default 4. */
  concurrency?: number;
  /** Given only the queue's events, validated. Must be idempotent: an event may be delivered more than once. */
  handle: (event: EventOfQueue<Queue>) => Promise<void>;
  /** Handles the events in batches. Default none: one at a time. Jobs taken at once then default to 2 batches. */
  batch?: EventBatchHandling<EventOfQueue<Queue>>;
  /** Told of every job's end, dead letter and connection error. Default none. */
  observer?: JobObserver | undefined;
  /** How the consumer watches that its worker takes the queue's jobs (see `watchForStall`). */
  stallWatch?: StallWatchSettings;
}

export interface EventConsumer {
  close(): Promise<void>;
}

/** Told what becomes of a consumer's jobs, for metrics (see `createServiceMetrics`). */
export interface JobObserver {
  /**
   * An attempt at a job ended. `delaySeconds`: from the job being queued (or due, when delayed) to its first
   * attempt starting; null for a retry, whose wait is its backoff. `final`: no retry follows a failure.
   */
  finished(
    queue: EventQueueName,
    outcome: 'completed' | 'failed',
    timing: { runSeconds: number; delaySeconds: number | null },
    final: boolean,
  ): void;
  /** A job, or one event of a batch job, was copied to the dead-letter queue. */
  deadLettered(queue: EventQueueName): void;
  /** The consumer's Redis connection failed (BullMQ reconnects). */
  connectionError(queue: EventQueueName): void;
}

/** The timing `JobObserver.finished` reports of `job`, from BullMQ's timestamps (milliseconds). */
function timingOf(job: Job): { runSeconds: number; delaySeconds: number | null } {
  const started = job.processedOn ?? Date.now();
  const runSeconds = Math.max(0, (job.finishedOn ?? Date.now()) - started) / 1000;
  const due = job.timestamp + (job.opts.delay ?? 0);
  return { runSeconds, delaySeconds: job.attemptsMade <= 1 ? Math.max(0, started - due) / 1000 : null };
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
export function startEventConsumer<Queue extends EventQueueName>(options: EventConsumerOptions<Queue>): EventConsumer {
  assertConsumer(options.queue, options.consumer);
  const deadLetters = new Queue<DeadLetter>(deadLetterQueueName, queueOptions(options, deadLetterQueueName));
  /** Copies a job (or one event of a batch job) that failed for good to the dead-letter queue, once. */
  const recordDeadLetter = async (failed: Omit<DeadLetter, 'queue' | 'failedAt'>) => {
    await deadLetters.add(
      failed.name,
      { ...failed, queue: options.queue, failedAt: new Date().toISOString() },
      { jobId: deadLetterId(options.queue, failed.jobId), removeOnComplete: true },
    );
    options.observer?.deadLettered(options.queue);
  };
  const batcher = options.batch
    ? makeEventBatcher({ maxSize: options.batch.maxSize, handleBatch: options.batch.handle, handle: options.handle })
    : undefined;
  const handleOne = (event: EventOfQueue<Queue>) => (batcher ? batcher.add(event) : options.handle(event));

  /**
   * A job of several events (see eventBatchJobName). An event that can never be valid is dead-lettered on its own
   * (with its id, so `jobs:retry` queues it again as a job of its own) and the others are handled; when some of
   * them fail the job fails and is retried whole (handlers are idempotent: those done are done again harmlessly).
   */
  async function handleBatchJob(job: Job): Promise<void> {
    const events: unknown = (job.data as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) throw new UnrecoverableError(`A ${eventBatchJobName} job without an events list`);
    const valid: EventOfQueue<Queue>[] = [];
    for (const [index, data] of events.entries()) {
      try {
        valid.push(parseEventOfQueue(options.queue, data));
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        const eventId = (data as { id?: unknown } | null)?.id;
        const jobId = typeof eventId === 'string' && eventId ? eventId : `${job.id}-${index}`;
        const name = (data as { name?: unknown } | null)?.name;
        await recordDeadLetter({
          jobId,
          name: typeof name === 'string' ? name : eventBatchJobName,
          data,
          failedReason: error.message,
          attemptsMade: job.attemptsMade,
        });
      }
    }
    const outcomes = await Promise.allSettled(valid.map(handleOne));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    if (failed.length > 0) {
      const reason = (failed[0] as PromiseRejectedResult).reason as unknown;
      throw new Error(
        `${failed.length} of ${valid.length} events failed, the first: ${reason instanceof Error ? reason.message : String(reason)}`,
      );
    }
  }

  async function handleJob(job: Job): Promise<void> {
    if (job.name === eventBatchJobName) return handleBatchJob(job);
    let event: EventOfQueue<Queue>;
    try {
      event = parseEventOfQueue(options.queue, job.data);
    } catch (error) {
      if (error instanceof InvalidEventError) throw new UnrecoverableError(error.message);
      throw error;
    }
    await handleOne(event);
  }

  // Jobs this consumer's worker has started and BullMQ has not yet reported completed or failed (see close).
  const running = makeRunningJobs();
  // How long close() waits for them: a job's lock lasts 10 s (below), after which another worker takes it anyway.
  const runningJobsWaitMs = 10_000;
  const concurrency = options.concurrency ?? (options.batch ? 2 * options.batch.maxSize : 4);
  let lastStartedAt = Date.now();
  const startWorker = () => {
    const started = new Worker<unknown>(
      options.queue,
      // Each job in a consumer span continuing the trace of the request that recorded its event(s) (see the relay).
      (job) =>
        withConsumerSpan(`${options.queue} ${job.name}`, traceparentsOf(job.data), (span) => {
          lastStartedAt = Date.now();
          running.started(job);
          span.setAttributes({
            'messaging.system': 'bullmq',
            'messaging.destination.name': options.queue,
            'messaging.message.id': job.id ?? '',
            'messaging.consumer.group.name': options.consumer,
          });
          return handleJob(job);
        }),
      {
        name: options.consumer,
        ...queueOptions(options, options.queue),
        concurrency,
        // A worker that dies (kill -9) leaves its jobs active with a lock: they are taken up again once the lock
        // expires, so a short lock (renewed every 5 s while a job runs) gets them done again within seconds.
        lockDuration: 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 2,
      },
    );
    started.on('failed', (job, error) => {
      if (job) running.finished(job);
      options.logger.warn(
        { err: error, queue: options.queue, jobId: job?.id, event: job?.name, attempts: job?.attemptsMade },
        'event handler failed',
      );
      const final = job ? isFinalFailure(job, error) : false;
      if (job) options.observer?.finished(options.queue, 'failed', timingOf(job), final);
      if (!job?.id || !final) return;
      recordDeadLetter({
        jobId: job.id,
        name: job.name,
        data: job.data,
        failedReason: error.message,
        attemptsMade: job.attemptsMade,
      }).catch((deadLetterError) =>
        options.logger.error({ err: deadLetterError, jobId: job.id }, 'cannot record a dead letter'),
      );
    });
    // A job retried from the dashboard that now succeeded is no longer a dead letter.
    started.on('completed', (job) => {
      running.finished(job);
      options.observer?.finished(options.queue, 'completed', timingOf(job), false);
      if (!job.id || !job.failedReason) return;
      void deadLetters.remove(deadLetterId(options.queue, job.id)).catch(() => undefined);
    });
    started.on('error', (error) => {
      options.observer?.connectionError(options.queue);
      options.logger.warn({ err: error }, 'event consumer connection error');
    });
    return started;
  };

  // Not BullMQ's graceful close(), which also waits for the worker's fetch loop: after a Redis Cluster failover
  // that loop was seen waiting for good on its blocking fetch (its blocking Cluster connection left in status
  // 'close' once BullMQ had disconnected it to close), so close() never returned. The same stop, in steps that
  // do not wait on that fetch: no further job is taken, the jobs running finish (their handlers and BullMQ's
  // recording of them), then the connections are closed without waiting for the fetch loop.
  // The wait for the running jobs is bounded: a job whose completion could not be recorded (Redis down, as in
  // the Redis crash test, which then waited for good) is never reported, and is taken up again once its lock
  // expires, as after a crash.
  const stopWorker = async (stopping: Worker) => {
    await stopping.pause(true);
    await Promise.race([running.none(), sleep(runningJobsWaitMs, undefined, { ref: false })]);
    await stopping.close(true);
  };

  let worker = startWorker();
  let closed = false;
  // That parked fetch loop also left an idle worker taking no job at all (a vendor created after a failover was
  // never copied): a worker with room for more that starts nothing while a job waits is replaced by a new one,
  // with connections of its own; the old one is stopped in the background.
  const watchedQueue = new Queue(options.queue, queueOptions(options, options.queue));
  const stopWatch = watchForStall(
    watchedQueue,
    { lastStartedAt: () => lastStartedAt, canTakeMore: () => !closed && running.count() < concurrency },
    () => {
      options.logger.warn(
        { queue: options.queue, maxWaitMs: (options.stallWatch ?? defaultStallWatch).maxWaitMs },
        'event consumer took no job while one waited too long: replacing its worker',
      );
      options.observer?.connectionError(options.queue);
      const stalled = worker;
      worker = startWorker();
      lastStartedAt = Date.now();
      void stopWorker(stalled).catch(() => undefined);
    },
    options.stallWatch,
  );
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        stopWatch();
        await stopWorker(worker);
      })().finally(() => Promise.all([deadLetters.close(), watchedQueue.close()]));
      return closing;
    },
  };
}

/**
 * The trace contexts a job carries: its event's `traceparent`, or each of its events' (a batch job); none from
 * events relayed without one. Read from the raw data, as the declared envelope leaves them out.
 */
function traceparentsOf(data: unknown): string[] {
  const events: unknown = (data as { events?: unknown } | null)?.events;
  return (Array.isArray(events) ? events : [data])
    .map((event) => (event as { traceparent?: unknown } | null)?.traceparent)
    .filter((traceparent): traceparent is string => typeof traceparent === 'string');
}

/** Refuses to consume a queue from a deployable other than the one the queue declares. */
function assertConsumer(queue: EventQueueName, consumer: EventConsumerName): void {
  const declared: EventConsumerName | undefined = eventQueues[queue]?.consumedBy;
  if (declared === undefined) throw new Error(`No queue ${JSON.stringify(queue)} is declared in eventQueues`);
  if (declared !== consumer)
    throw new Error(`The ${queue} queue is declared consumed by ${declared}, but ${consumer} tried to consume it`);
}

/** What startEventHandlers needs besides the handlers. */
export interface EventHandlersOptions<Consumer extends EventConsumerName> {
  /** The deployable starting the handlers; every handler's queue must declare it (`consumedBy`). */
  consumer: Consumer;
  connection: ConnectionOptions;
  prefix: string;
  logger: Logger;
  /** Told of every job's end, dead letter and connection error. Default none. */
  observer?: JobObserver | undefined;
}

/**
 * Starts a consumer for each handler, as `consumer`. Every handler's queue must be declared consumed by it, and
 * a queue may have only one handler (two would each take some of its events): otherwise nothing is started.
 */
export function startEventHandlers<Consumer extends EventConsumerName>(
  handlers: readonly EventHandler<QueueConsumedBy<Consumer>>[],
  options: EventHandlersOptions<Consumer>,
): EventConsumer {
  const seen = new Set<EventQueueName>();
  for (const handler of handlers) {
    assertConsumer(handler.queue, options.consumer);
    if (seen.has(handler.queue)) throw new Error(`The ${handler.queue} queue has more than one handler`);
    seen.add(handler.queue);
  }
  const consumers = handlers.map((handler) => startHandler(handler, options));
  return { close: () => Promise.all(consumers.map((consumer) => consumer.close())).then(() => undefined) };
}

/** Starts one handler (its queue's consumer was checked by startEventHandlers). */
function startHandler(handler: EventHandler, options: EventHandlersOptions<EventConsumerName>): EventConsumer {
  // A handler of the union is one queue's handler with that queue's events (EventHandler ties them), but
  // TypeScript cannot carry that correlation through a spread of its fields: it is asserted once, here.
  const { queue, concurrency, handle, batch } = handler as HandlerOf<EventQueueName>;
  return startEventConsumer({
    ...options,
    queue,
    ...(concurrency ? { concurrency } : {}),
    handle,
    ...(batch ? { batch } : {}),
  });
}
