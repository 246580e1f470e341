import type { Job } from 'bullmq';

/** The jobs a worker runs: started by its processor, finished when BullMQ reports them completed or failed. */
export function makeRunningJobs() {
  const ids = new Set<string | undefined>();
  let idle: (() => void) | undefined;
  return {
    started(job: Job) {
      ids.add(job.id);
    },
    finished(job: Job) {
      ids.delete(job.id);
      if (ids.size === 0) idle?.();
    },
    /** Resolves once no job is running. */
    none(): Promise<void> {
      if (ids.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
