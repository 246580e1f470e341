import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { ZodError } from 'zod';
import { parseDomainEvent, type EventEnvelope, type EventQueueName } from '@curbside/events';
import type { Logger } from '@curbside/service';

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

/**
 * Consumes one queue. Payloads are validated again here, against the same declaration the producer
 * used; one that can never be valid fails at once, without retries.
 */
export function startEventConsumer(options: EventConsumerOptions): EventConsumer {
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
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency ?? 4 },
  );
  worker.on('failed', (job, error) =>
    options.logger.warn(
      { err: error, jobId: job?.id, event: job?.name, attempts: job?.attemptsMade },
      'event handler failed',
    ),
  );
  worker.on('error', (error) => options.logger.warn({ err: error }, 'event consumer connection error'));
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= worker.close();
      return closing;
    },
  };
}
