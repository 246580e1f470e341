import { Queue, type ConnectionOptions } from 'bullmq';
import { queueOptions } from './connection.ts';
import { eventJobOptions } from './relay.ts';

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

/** The dead letters, oldest first. */
export async function listDeadLetters(options: {
  connection: ConnectionOptions;
  prefix: string;
}): Promise<DeadLetter[]> {
  const queue = new Queue<DeadLetter>(deadLetterQueueName, queueOptions(options, deadLetterQueueName));
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
  const deadLetters = new Queue<DeadLetter>(deadLetterQueueName, queueOptions(options, deadLetterQueueName));
  try {
    const letter = await deadLetters.getJob(id);
    if (!letter) return false;
    const source = new Queue(letter.data.queue, queueOptions(options, letter.data.queue));
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
