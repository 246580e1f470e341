import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import {
  deadLetterQueueName,
  queueOptions,
  scheduledQueueName,
  startEventHandlers,
  type EventConsumer,
  type JobObserver,
  type WorkersEventHandler,
} from '@curbside/event-bus';
import { queuesConsumedBy } from '@curbside/events';
import type { Redis } from '@curbside/redis';
import { reportedQueueStates, type Logger, type ServiceMetrics } from '@curbside/service';
import {
  openOrm,
  type LivePubSub,
  type MediaStoreConfig,
  type Orm,
  type ScheduledJob,
  type SubgraphWorkerModule,
  watchOrmPool,
} from '@curbside/subgraph-kit';
import { workerModules } from './modules.ts';

export interface WorkersDeps {
  /** Database URL of each subgraph whose module runs here, by subgraph name. */
  databaseUrls: Record<string, string>;
  /** Largest number of pooled connections on each database. Default `defaultPoolSize` (5). */
  databasePoolSize?: number;
  eventBus: { connection: ConnectionOptions; prefix: string };
  redis: Redis;
  pubsub: LivePubSub;
  logger: Logger;
  /** Where the media subgraph keeps its files (its own store). */
  mediaStore: MediaStoreConfig;
  /**
   * The modules to run. Default: every subgraph's (`workerModules`), which must then handle every queue declared
   * `consumedBy: 'workers'`, each once.
   */
  modules?: SubgraphWorkerModule[];
  /** Extra handlers (tests), of queues the workers consume and no module handles. */
  extraHandlers?: WorkersEventHandler[];
  /**
   * Where jobs (latency, failures, dead letters), queue depth (each consumed queue and the dead letters, read
   * on each scrape) and database pools are reported. Default none.
   */
  metrics?: ServiceMetrics;
}

/** A JobObserver reporting to `metrics`. */
export function jobMetricsObserver(metrics: ServiceMetrics): JobObserver {
  return {
    finished(queue, outcome, timing, final) {
      metrics.jobSeconds.observe({ queue, outcome }, timing.runSeconds);
      if (timing.delaySeconds !== null) metrics.jobDelaySeconds.observe({ queue }, timing.delaySeconds);
      if (outcome === 'failed') metrics.jobFailures.inc({ queue, final: String(final) });
    },
    deadLettered: (queue) => metrics.deadLetters.inc({ queue }),
    connectionError: () => metrics.redisErrors.inc({ client: 'queues' }),
  };
}

export interface Workers {
  /** The queues being consumed. */
  queues: string[];
  /** Stops taking jobs, lets running ones finish, closes databases; idempotent. */
  close(): Promise<void>;
}

/**
 * Throws unless `handlers` handle every queue declared `consumedBy: 'workers'` (startEventHandlers refuses the
 * others, and duplicates).
 */
export function assertAllQueuesHandled(handlers: readonly WorkersEventHandler[]): void {
  const handled = new Set(handlers.map((handler) => handler.queue));
  const missing = queuesConsumedBy('workers').filter((queue) => !handled.has(queue));
  if (missing.length > 0)
    throw new Error(`The workers consume ${missing.join(', ')} (see eventQueues), but no module handles them`);
}

/**
 * The workers deployable: for each subgraph module, an ORM on that subgraph's database (waiting for the
 * subgraph to have migrated it), a consumer per queue it handles, and its scheduled jobs.
 */
export async function createWorkers(deps: WorkersDeps): Promise<Workers> {
  const { logger } = deps;
  const modules = deps.modules ?? workerModules;
  const orms: Orm[] = [];
  const unwatch: (() => void)[] = [];
  const handlers: WorkersEventHandler[] = [...(deps.extraHandlers ?? [])];
  const scheduled: ScheduledJob[] = [];
  try {
    for (const module of modules) {
      const databaseUrl = deps.databaseUrls[module.subgraph];
      if (!databaseUrl) throw new Error(`no database URL for the ${module.subgraph} subgraph's workers`);
      const orm = await openOrm({
        databaseUrl,
        entities: module.entities,
        migrations: module.migrations,
        migrationMode: 'await',
        ...(deps.databasePoolSize ? { poolSize: deps.databasePoolSize } : {}),
      });
      orms.push(orm);
      if (deps.metrics) unwatch.push(await watchOrmPool(deps.metrics, module.subgraph, orm));
      const moduleDeps = {
        orm,
        logger: logger.child({ subgraph: module.subgraph }),
        redis: deps.redis,
        pubsub: deps.pubsub,
        mediaStore: deps.mediaStore,
      };
      handlers.push(...module.handlers(moduleDeps));
      scheduled.push(...(module.schedules?.(moduleDeps) ?? []));
    }
    // Every module running: each queue declared for the workers has its handler, or its events would pile up.
    if (!deps.modules) assertAllQueuesHandled(handlers);
  } catch (error) {
    await Promise.all(orms.map((orm) => orm.close()));
    throw error;
  }
  // Refuses (before starting any) a handler of a queue another deployable consumes, or two of one queue.
  const consumers: EventConsumer = startEventHandlers(handlers, {
    ...deps.eventBus,
    consumer: 'workers',
    logger,
    ...(deps.metrics ? { observer: jobMetricsObserver(deps.metrics) } : {}),
  });
  // Depth of each consumed queue and of the dead letters, read on each scrape: a few Redis calls per queue.
  const depthQueues: Queue[] = [];
  if (deps.metrics) {
    for (const name of [...handlers.map((handler) => handler.queue), deadLetterQueueName]) {
      const queue = new Queue(name, queueOptions(deps.eventBus, name));
      depthQueues.push(queue);
      unwatch.push(deps.metrics.watchQueue(name, () => queue.getJobCounts(...reportedQueueStates)));
    }
  }

  const schedulerQueue = new Queue(scheduledQueueName, queueOptions(deps.eventBus, scheduledQueueName));
  for (const job of scheduled) {
    await schedulerQueue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name });
  }
  const byName = new Map(scheduled.map((job) => [job.name, job]));
  /** The scheduled job running (one at a time), for close() to wait for. */
  let runningScheduled: Promise<unknown> = Promise.resolve();
  const scheduler = new Worker(
    scheduledQueueName,
    async (job) => {
      const scheduledJob = byName.get(job.name);
      if (!scheduledJob) return; // a schedule from another version of the workers; its own will run it
      const run = scheduledJob.run();
      runningScheduled = run.catch(() => undefined);
      await run;
    },
    { ...queueOptions(deps.eventBus, scheduledQueueName), concurrency: 1 },
  );
  scheduler.on('failed', (job, error) => logger.warn({ err: error, job: job?.name }, 'scheduled job failed'));
  scheduler.on('error', (error) => logger.warn({ err: error }, 'scheduler connection error'));

  // Stopped as the event consumers' workers are (see startEventConsumer's stopWorker), not with BullMQ's graceful
  // close(), which waits for the worker's fetch loop, seen parked for good after a Redis Cluster failover: no
  // further job, the running one waited for up to 10 s (one cut short is run again once its lock expires), then
  // the connections closed.
  const stopScheduler = async () => {
    await scheduler.pause(true);
    await Promise.race([runningScheduled, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await scheduler.close(true);
  };

  let closing: Promise<void> | undefined;
  return {
    queues: handlers.map((handler) => handler.queue),
    close() {
      closing ??= (async () => {
        for (const stop of unwatch) stop();
        await Promise.all([consumers.close(), stopScheduler()]);
        await Promise.all([schedulerQueue.close(), ...depthQueues.map((queue) => queue.close())]);
        await Promise.all(orms.map((orm) => orm.close()));
      })();
      return closing;
    },
  };
}
