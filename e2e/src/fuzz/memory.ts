/** Memory readings of the process under fuzz: heap after forced full GCs, settled. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemoryFigures {
  /** heapUsed after a forced full GC: before any input, after the first batch (the baseline) and at the end. */
  heapStart: number;
  heapBefore: number;
  /** ... halfway through the run, once the bounded caches are full. */
  heapHalfway: number;
  heapAfter: number;
  rssBefore: number;
  rssAfter: number;
  /** What the gateway's subscription machinery still held at the end (all zero when nothing leaked). */
  gatewayHeld: Record<string, number>;
  /** Size of the gateway's /metrics page at the baseline and at the end (labels it keeps per operation name). */
  metricsBytesBefore: number;
  metricsBytesAfter: number;
}

/** A full GC, available without --expose-gc: the flag is set at run time and `gc` taken from a new context. */
export function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * heapUsed after full GCs, once it has settled: read every second until two readings are within 1 MB (or
 * `patienceMs` passed), because work still draining when the last input was answered (server-side requests of
 * clients that left, sockets closing) holds memory for a moment without leaking it.
 */
export async function settledHeap(gc: () => void, patienceMs = 0): Promise<{ heap: number; rss: number }> {
  const read = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
    gc();
    return process.memoryUsage();
  };
  let last = await read();
  for (const started = Date.now(); Date.now() - started < patienceMs;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await read();
    const settled = Math.abs(now.heapUsed - last.heapUsed) < 1024 * 1024;
    last = now;
    if (settled) break;
  }
  return { heap: last.heapUsed, rss: last.rss };
}

/** Bytes as megabytes with one decimal, for reports. */
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
