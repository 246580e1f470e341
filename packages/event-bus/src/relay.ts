import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { isBatchedQueue, outboxChannel, queuesFor, type EventQueueName } from '@curbside/events';
import type { Logger } from '@curbside/service';
import { startProducerSpan } from '@curbside/tracing';
import { queueOptions, replicatedOn } from './connection.ts';
import { eventBatchJobId, eventBatchJobName } from './batch.ts';
import { startOutboxPruning, type OutboxPruningSettings } from './prune.ts';

export interface OutboxRelayOptions {
  orm: MikroORM;
  /**
   * A direct URL of the same database (not through a transaction pooler, where a LISTEN connection would not
   * hear), for a dedicated LISTEN connection woken by each committed outbox insert. Undefined: nothing listens,
   * the relay sweeps every `sweepIntervalMs` and says so once at start.
   */
  databaseUrl: string | undefined;
  connection: ConnectionOptions;
  /** BullMQ key prefix (see bullPrefix). */
  prefix: string;
  logger: Logger;
  /** Safety-net sweep when no notification came (a notification can be lost on reconnect). Default 1 second. */
  sweepIntervalMs?: number;
  /** Events moved per transaction. Default 100. */
  batchSize?: number;
  /** Pruning of the sent rows (retention, interval, batch size). Default: `outboxPruningDefaults`. */
  pruning?: Partial<OutboxPruningSettings>;
}

export interface OutboxRelay {
  /** Moves what is pending now; resolves with how many events were moved. */
  relayPending(): Promise<number>;
  /** Deletes the sent rows older than the retention now, in batches; resolves with how many were deleted. */
  pruneSent(): Promise<number>;
  /** Stops sweeping and closes the queues; idempotent. */
  stop(): Promise<void>;
}

/** Retries with exponential backoff; completed jobs are kept a day so a re-relayed id is recognised. */
export const eventJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * An outbox row as queued: the shape of an EventEnvelope, not yet checked against its declaration (it was when
 * recorded, and the consumer checks it again against the declaration it runs with).
 */
interface RelayedEnvelope {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** The trace the consumer continues: the relay's span, a child of the one that recorded the event. */
  traceparent?: string;
}

interface OutboxRow {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  traceparent: string | null;
}

/**
 * Moves a subgraph's outbox into the consumers' queues. Rows are claimed with FOR UPDATE SKIP LOCKED
 * (several relays may run), queued with the event id as job id (a row relayed twice, after a crash
 * between queueing and marking, is not queued twice), and marked sent only after Redis accepted them (on a
 * cluster, once a replica has them too).
 * Sent rows are pruned once past their retention, in small batches (see startOutboxPruning).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { orm, logger } = options;
  const batchSize = options.batchSize ?? 100;
  const sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
  const queues = new Map<EventQueueName, Queue>();
  const queueOf = (name: EventQueueName) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, queueOptions(options, name));
      queues.set(name, queue);
    }
    return queue;
  };

  async function relayBatch(): Promise<number> {
    return orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<OutboxRow[]>(
        `select id, name, payload, occurred_at, traceparent from outbox_event
         where sent_at is null order by occurred_at, id limit ${batchSize} for update skip locked`,
      );
      if (rows.length === 0) return 0;
      const jobsByQueue = new Map<
        EventQueueName,
        { name: string; data: RelayedEnvelope | { events: RelayedEnvelope[] }; opts: JobsOptions }[]
      >();
      // One producer span per event that carries a trace and goes to some queue, ended once its jobs are queued
      // (or failed to be).
      const spans: ReturnType<typeof startProducerSpan>[] = [];
      for (const row of rows) {
        const queues = queuesFor(row.name);
        if (queues.length === 0) continue;
        const span = startProducerSpan(`outbox relay ${row.name}`, row.traceparent);
        spans.push(span);
        const envelope: RelayedEnvelope = {
          id: row.id,
          name: row.name,
          payload: row.payload,
          occurredAt: new Date(row.occurred_at).toISOString(),
          ...(span.traceparent ? { traceparent: span.traceparent } : {}),
        };
        for (const queue of queues) {
          const jobs = jobsByQueue.get(queue) ?? [];
          jobs.push({ name: row.name, data: envelope, opts: { ...eventJobOptions, jobId: row.id } });
          jobsByQueue.set(queue, jobs);
        }
      }
      // A batched queue's events of this batch go in one job (one alone stays a job of its own, as elsewhere).
      for (const [queue, jobs] of jobsByQueue) {
        if (!isBatchedQueue(queue) || jobs.length < 2) continue;
        const events = jobs.map((job) => job.data as RelayedEnvelope);
        const jobId = eventBatchJobId(events.map((event) => event.id));
        jobsByQueue.set(queue, [{ name: eventBatchJobName, data: { events }, opts: { ...eventJobOptions, jobId } }]);
      }
      try {
        for (const [queue, jobs] of jobsByQueue) {
          await queueOf(queue).addBulk(jobs);
          // Marked sent below only once a replica has them too: a failover must not lose what the outbox let go.
          await replicatedOn(options.connection, options.prefix, queue);
        }
      } catch (error) {
        for (const span of spans) span.end(error);
        throw error;
      }
      for (const span of spans) span.end();
      await em.execute('update outbox_event set sent_at = now() where id in (?)', [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  async function relayPending(): Promise<number> {
    let moved = 0;
    for (;;) {
      const batch = await relayBatch();
      moved += batch;
      if (batch < batchSize) return moved;
    }
  }

  let stopped = false;
  // Set by a notification that arrives while a sweep runs, so that it is not lost.
  let notified = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    notified = true;
    wake?.();
  };

  let listener: pg.Client | undefined;
  const listenUrl = options.databaseUrl;
  async function listen(): Promise<void> {
    if (stopped) return;
    if (listenUrl === undefined) {
      logger.info(
        { sweepIntervalMs },
        'outbox relay: no direct database URL to LISTEN on; sweeping the outbox every interval instead',
      );
      return;
    }
    const client = new pg.Client({ connectionString: listenUrl });
    client.on('notification', notify);
    client.on('error', (error) => {
      logger.warn({ err: error }, 'outbox listener lost its connection; reconnecting');
      void client.end().catch(() => undefined);
      if (listener === client) listener = undefined;
      setTimeout(() => void listen().catch(() => undefined), 1_000).unref();
    });
    try {
      await client.connect();
      // Stopped while connecting (a start-up that failed right after starting the relay): nothing to listen for.
      if (stopped) {
        await client.end();
        return;
      }
      await client.query(`listen ${outboxChannel}`);
      listener = client;
      notify(); // rows may have arrived while no one listened
    } catch (error) {
      logger.warn({ err: error }, 'outbox listener cannot connect; sweeping only until it can');
      void client.end().catch(() => undefined);
      setTimeout(() => void listen().catch(() => undefined), 1_000).unref();
    }
  }
  const firstListen = listen();

  const loop = (async () => {
    while (!stopped) {
      notified = false;
      try {
        await relayPending();
      } catch (error) {
        // Redis or PostgreSQL unreachable: the rows stay unsent and the next sweep retries them.
        logger.warn({ err: error }, 'outbox relay sweep failed; retrying');
      }
      if (stopped) break;
      if (notified) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sweepIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  const pruning = startOutboxPruning(orm, { ...options.pruning, logger });

  let stopping: Promise<void> | undefined;
  return {
    relayPending,
    pruneSent: () => pruning.prune(),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        await Promise.all([loop, pruning.stop()]);
        await firstListen;
        await listener?.end().catch(() => undefined);
        await Promise.all([...queues.values()].map((queue) => queue.close()));
      })();
      return stopping;
    },
  };
}
