import type { Job } from 'bullmq';

/** The jobs a worker runs: started by its processor, finished when BullMQ reports them completed or failed. */
export function makeRunningJobs() {
  const ids = new Set<string | undefined>();
  const idle: (() => void)[] = [];
  return {
    started(job: Job) {
      ids.add(job.id);
    },
    finished(job: Job) {
      ids.delete(job.id);
      if (ids.size === 0) for (const resolve of idle.splice(0)) resolve();
    },
    /** How many are running. */
    count(): number {
      return ids.size;
    },
    /** Resolves once no job is running. */
    none(): Promise<void> {
      if (ids.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => void idle.push(resolve));
    },
  };
}
