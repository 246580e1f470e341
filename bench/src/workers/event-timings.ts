/**
 * When an event reached each step of its way: its outbox row (recorded, relayed) and its job in a queue
 * (added, taken, finished). Read back after the measured moments, so that measuring adds no load to them.
 * Every time here is epoch milliseconds from one machine's clock: the stack runs in one process.
 */
import type { Queue } from 'bullmq';
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

/** The times of each job found in `queue`, by job id (an event's id is its job id in every queue). */
export async function jobTimes(queue: Queue, jobIds: readonly string[]): Promise<Map<string, JobTimes>> {
  const times = new Map<string, JobTimes>();
  for (let start = 0; start < jobIds.length; start += readBatch) {
    const jobs = await Promise.all(jobIds.slice(start, start + readBatch).map((id) => queue.getJob(id)));
    for (const job of jobs) {
      if (!job?.id) continue;
      times.set(job.id, { addedAt: job.timestamp, startedAt: job.processedOn, finishedAt: job.finishedOn });
    }
  }
  return times;
}
