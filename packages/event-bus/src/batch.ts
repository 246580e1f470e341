/** How a consumer that handles its events in batches gathers them and falls back when a batch fails. */
export interface EventBatcherOptions<Event> {
  /** Most events handed to `handleBatch` at once. */
  maxSize: number;
  /** Handles several events together (one transaction, one multi-row statement); must be idempotent. */
  handleBatch: (events: Event[]) => Promise<void>;
  /** Handles one event: used, one event at a time, when a batch fails, so that one bad event fails alone. */
  handle: (event: Event) => Promise<void>;
  /**
   * Batches run at once. A further one starts only for a full batch (a backlog), so a quiet queue still has one
   * batch at a time. Default 2: the next batch is gathered and parsed while the database writes the last one.
   */
  parallel?: number;
}

export interface EventBatcher<Event> {
  /** Resolves once `event` was handled (in a batch, or alone after its batch failed); rejects if it failed. */
  add(event: Event): Promise<void>;
}

interface Pending<Event> {
  event: Event;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers events taken one by one (by BullMQ's jobs, each waiting for its event to be handled) into batches. Events
 * arriving while a batch runs wait and form the next one, so batches are one event when the queue is quiet (no
 * added latency) and grow with a backlog, up to `maxSize`; with a backlog of full batches, `parallel` run at once. When a batch fails, its events are
 * handled again one at a time, so that only the events that fail on their own fail (and are retried or
 * dead-lettered as jobs).
 */
export function makeEventBatcher<Event>(options: EventBatcherOptions<Event>): EventBatcher<Event> {
  const maxSize = Math.max(1, Math.floor(options.maxSize));
  const parallel = Math.max(1, Math.floor(options.parallel ?? 2));
  const pending: Pending<Event>[] = [];
  let running = 0;

  function maybeStart(): void {
    if (pending.length === 0 || running >= parallel) return;
    if (running > 0 && pending.length < maxSize) return;
    running++;
    // After the jobs BullMQ hands over in this turn of the event loop have joined the batch.
    setImmediate(() => void run());
  }

  async function handleAlone(item: Pending<Event>): Promise<void> {
    try {
      await options.handle(item.event);
      item.resolve();
    } catch (error) {
      item.reject(error);
    }
  }

  async function run(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.splice(0, maxSize);
      try {
        if (batch.length === 1) await options.handle(batch[0]!.event);
        else await options.handleBatch(batch.map((item) => item.event));
        for (const item of batch) item.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const item of batch) await handleAlone(item);
      }
      // Of several runners, one goes on with what is left that is not a full batch.
      if (running > 1 && pending.length < maxSize) break;
    }
    running--;
    maybeStart();
  }

  return {
    add(event) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ event, resolve, reject });
        maybeStart();
      });
    },
  };
}

/**
 * The name of a job carrying several events (`data: { events }`), which the relay makes for a queue declared
 * `batched` in eventQueues when one relay batch holds several of its events: BullMQ's work per job (taking,
 * locking, completing it: a few Redis scripts) is then paid once per batch, not once per event.
 */
export const eventBatchJobName = 'event-batch';

/**
 * A batch job's id: its first event's id and its size. A relay that queued the batch and crashed before marking
 * its rows sent claims the same rows again, in the same order, and so adds the same id (a no-op); were they
 * grouped differently, an event would arrive twice, which handlers allow.
 */
export const eventBatchJobId = (eventIds: readonly string[]) => `batch-${eventIds[0]}-${eventIds.length}`;
