/**
 * When an event reached each step of its way: its outbox row (recorded, relayed) and its job in a queue
 * (added, taken, finished). Read back after the measured moments, so that measuring adds no load to them.
 * Every time here is epoch milliseconds from one machine's clock: the stack runs in one process.
 */
import type { Job, Queue } from 'bullmq';
import { eventBatchJobName } from '@curbside/event-bus';
import type pg from 'pg';

/** The outbox row of a post's `post.created` event. */
export interface RecordedEvent {
  eventId: string;
  /** When the mutation recorded it: just before its transaction flushed and committed. */
  occurredAt: number;
  /** Whether the relay has put it into its queues. */
  relayed: boolean;
}

/** The `post.created` event of each post, by post id; a post whose event is not in the outbox is absent. */
export async function postCreatedEvents(
  postDatabase: pg.Pool,
  postIds: readonly string[],
): Promise<Map<string, RecordedEvent>> {
  const { rows } = await postDatabase.query<{
    id: string;
    post_id: string;
    occurred_at: Date;
    sent_at: Date | null;
  }>(
    `select id, payload->>'postId' as post_id, occurred_at, sent_at from outbox_event
     where name = 'post.created' and payload->>'postId' = any($1::text[])`,
    [postIds],
  );
  return new Map(
    rows.map((row) => [
      row.post_id,
      { eventId: row.id, occurredAt: row.occurred_at.getTime(), relayed: row.sent_at !== null },
    ]),
  );
}

export interface JobTimes {
  /**
   * When the relay created the job (BullMQ's `timestamp`, taken in the relay just before its write to Redis,
   * so it is early by that one round trip).
   */
  addedAt: number;
  /** When a worker took it; undefined until then. */
  startedAt: number | undefined;
  /** When its handler finished; undefined until then. */
  finishedAt: number | undefined;
}

/** Jobs read at once: enough to pipeline the reads, few enough not to queue thousands of commands. */
const readBatch = 200;

const timesOf = (job: Job): JobTimes => ({
  addedAt: job.timestamp,
  startedAt: job.processedOn,
  finishedAt: job.finishedOn,
});

/**
 * The times of the job of each event found in `queue`, by event id: the job whose id is the event's (one event a
 * job), or else the batch job that carries it (a batched queue, such as search.index, gets one job per relay
 * batch: its events share its times).
 */
export async function jobTimes(queue: Queue, eventIds: readonly string[]): Promise<Map<string, JobTimes>> {
  const times = new Map<string, JobTimes>();
  for (let start = 0; start < eventIds.length; start += readBatch) {
    const jobs = await Promise.all(eventIds.slice(start, start + readBatch).map((id) => queue.getJob(id)));
    for (const job of jobs) if (job?.id) times.set(job.id, timesOf(job));
  }
  const missing = new Set(eventIds.filter((id) => !times.has(id)));
  if (missing.size === 0) return times;
  const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed', 'prioritized']);
  for (const job of jobs) {
    if (job.name !== eventBatchJobName) continue;
    for (const { id } of (job.data as { events: { id: string }[] }).events)
      if (missing.has(id)) times.set(id, timesOf(job));
  }
  return times;
}
