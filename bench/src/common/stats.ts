/** Load generation and latency statistics shared by the benchmarks. */

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of an ascending array: always an observed sample, never an interpolated
 * value, so p99 of a small run is a latency that really happened.
 */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Count, percentiles, maximum and mean of latency samples in milliseconds. */
export function summarize(samplesMs: readonly number[]): Summary {
  if (samplesMs.length === 0) throw new RangeError('summarize: no samples');
  const sorted = samplesMs.toSorted((a, b) => a - b);
  const total = sorted.reduce((sum, sample) => sum + sample, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: total / sorted.length,
  };
}

export interface ConcurrentRun {
  /** Latency of request `i` at index `i`, failed requests included. */
  latenciesMs: number[];
  /** Wall time from the first request's start to the last one's end. */
  elapsedMs: number;
  /** Requests whose task threw or rejected. */
  failures: number;
  /** The first few errors, for a diagnosis without flooding the output. */
  errors: unknown[];
}

const keptErrors = 5;

/**
 * Runs `task(0)` … `task(total - 1)` with at most `concurrency` in flight (closed-loop: each worker
 * starts its next request as soon as the previous one ends). A task signals a bad response by throwing;
 * the run goes on, so one failure does not hide the rest of the figures.
 */
export async function runConcurrent(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<ConcurrentRun> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`runConcurrent: invalid total ${total}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`runConcurrent: invalid concurrency ${concurrency}`);
  }
  const latenciesMs = new Array<number>(total).fill(0);
  const errors: unknown[] = [];
  let failures = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const start = performance.now();
      try {
        await task(i);
      } catch (error) {
        failures++;
        if (errors.length < keptErrors) errors.push(error);
      }
      latenciesMs[i] = performance.now() - start;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { latenciesMs, elapsedMs: performance.now() - start, failures, errors };
}

/** The middle value (the mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
