import type { Queue } from 'bullmq';

/** How a consumer watches that its queue's jobs are being taken (see `watchForStall`). */
export interface StallWatchSettings {
  /** How often the queue is looked at: 2.5 s by default. */
  intervalMs: number;
  /**
   * How long a job that could run may wait while the worker, with room for more, starts none: 5 s by default.
   * A queue's jobs are taken within milliseconds when a worker is free, so this is far past any normal wait.
   */
  maxWaitMs: number;
}

export const defaultStallWatch: StallWatchSettings = { intervalMs: 2_500, maxWaitMs: 5_000 };

/**
 * Whether one of the queue's jobs that could run has waited to be taken for more than `maxWaitMs`: a waiting job
 * since it was added, became due, or last started (a retry); a delayed job since it became due (workers promote
 * those as they fetch, so one long past due means no worker is fetching either).
 */
export async function hasOverdueJob(queue: Queue, now: number, maxWaitMs: number): Promise<boolean> {
  const [waiting] = await queue.getJobs(['wait'], 0, 0, true);
  if (waiting && now - Math.max(waiting.timestamp + (waiting.opts.delay ?? 0), waiting.processedOn ?? 0) > maxWaitMs)
    return true;
  return (await queue.getDelayedCount(Math.floor(now - maxWaitMs))) > 0;
}

/** What the watch needs to know of the worker it watches. */
export interface WatchedWorker {
  /** When the worker last started a job (or was started): epoch milliseconds. */
  lastStartedAt(): number;
  /** Whether it has room for another job (fewer running than its concurrency) and is not closing. */
  canTakeMore(): boolean;
}

/**
 * Calls `onStall` when the queue has a job overdue by more than `maxWaitMs` while the worker, with room for more,
 * has started none for as long: a worker whose fetch loop is parked for good. Seen after a Redis Cluster failover:
 * BullMQ's blocking fetch, on a connection to the failed primary, never came back (its own watchdog's reconnect
 * waited for good too), so an idle worker never took another job. Other replicas taking the jobs, or a worker
 * busy at its concurrency, are not a stall: the first keeps the jobs from waiting, the second is taking them.
 * `onStall` is not called again until another `maxWaitMs` has passed. Returns the stop.
 */
export function watchForStall(
  queue: Queue,
  worker: WatchedWorker,
  onStall: () => void,
  settings: StallWatchSettings = defaultStallWatch,
  now: () => number = Date.now,
): () => void {
  let checking = false;
  let lastStallAt = 0;
  const check = async () => {
    const at = now();
    if (!worker.canTakeMore() || at - worker.lastStartedAt() <= settings.maxWaitMs) return;
    if (at - lastStallAt <= settings.maxWaitMs) return;
    if (!(await hasOverdueJob(queue, at, settings.maxWaitMs))) return;
    // Checked again: the worker may have started a job while Redis answered.
    if (!worker.canTakeMore() || now() - worker.lastStartedAt() <= settings.maxWaitMs) return;
    lastStallAt = now();
    onStall();
  };
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    // Redis unreachable: the worker reports that itself; the watch looks again next time.
    check()
      .catch(() => undefined)
      .finally(() => (checking = false));
  }, settings.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
