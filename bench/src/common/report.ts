/** Reporting shared by the benchmarks: environment knobs, checked responses, result rows and the table. */
import type { GraphQLResponse } from '@curbside/e2e';
import { summarize, type ConcurrentRun } from './stats.ts';

/** A positive integer from the environment, so a bad override fails loudly instead of measuring nothing. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

/** Throws unless the response is a 200 with data and no errors; returns the data. */
export function checkedData<Data>(response: GraphQLResponse<Data>): Data {
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.errors)}`);
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  if (!response.data) throw new Error('No data');
  return response.data;
}

export interface OperationResult {
  operation: string;
  requests: number;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  failures: number;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** A request row: count, rate over the run's wall time, percentiles, failures (figures to 2 decimals). */
export function result(operation: string, concurrency: number, run: ConcurrentRun): OperationResult {
  const summary = summarize(run.latenciesMs);
  return {
    operation,
    requests: summary.count,
    concurrency,
    requestsPerSecond: round((summary.count / run.elapsedMs) * 1000),
    p50Ms: round(summary.p50),
    p90Ms: round(summary.p90),
    p99Ms: round(summary.p99),
    maxMs: round(summary.max),
    meanMs: round(summary.mean),
    failures: run.failures,
  };
}

/** Prints a run's failure count and first errors to stderr; nothing when none failed. */
export function reportFailures(label: string, run: ConcurrentRun): void {
  if (run.failures === 0) return;
  console.error(`${label}: ${run.failures} failed request(s); first errors:`);
  for (const error of run.errors)
    console.error(`  ${(error instanceof Error ? error.message : String(error)).slice(0, 400)}`);
}

/** Prints rows under a header, the first column left-aligned and the others right-aligned. */
function printAligned(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Prints request rows as an aligned table: count, concurrency, req/s and latency percentiles in ms. */
export function printTable(results: readonly OperationResult[]): void {
  const header = ['operation', 'requests', 'concurrency', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [
    r.operation,
    String(r.requests),
    String(r.concurrency),
    ...[r.requestsPerSecond, r.p50Ms, r.p90Ms, r.p99Ms, r.maxMs].map((figure) => figure.toFixed(1)),
  ]);
  printAligned(header, rows);
}

/** A latency that is not a request's: from one moment of an event's life to a later one. */
export interface LatencyResult {
  measure: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** What p95 should stay under, when there is a target; `null` otherwise. */
  targetP95Ms: number | null;
}

/** A latency row from samples in ms, with the p95 target it is held to (none by default). */
export function latencyResult(
  measure: string,
  samplesMs: readonly number[],
  targetP95Ms: number | null = null,
): LatencyResult {
  const summary = summarize(samplesMs);
  return {
    measure,
    samples: summary.count,
    p50Ms: round(summary.p50),
    p95Ms: round(summary.p95),
    maxMs: round(summary.max),
    targetP95Ms,
  };
}

/** Prints latency rows with their sample counts, and whether p95 met its target where there is one. */
export function printLatencyTable(results: readonly LatencyResult[]): void {
  const header = ['measure', 'samples', 'p50 ms', 'p95 ms', 'max ms', 'p95 target'];
  const rows = results.map((r) => [
    r.measure,
    String(r.samples),
    ...[r.p50Ms, r.p95Ms, r.maxMs].map((figure) => figure.toFixed(1)),
    r.targetP95Ms === null ? '' : `< ${r.targetP95Ms} ms ${r.p95Ms < r.targetP95Ms ? 'met' : 'MISSED'}`,
  ]);
  printAligned(header, rows);
}

/** Prints `label  value` lines with the values aligned, for figures that are not latency rows. */
export function printFacts(facts: readonly (readonly [label: string, value: string])[]): void {
  const width = Math.max(...facts.map(([label]) => label.length));
  for (const [label, value] of facts) console.log(`${label.padEnd(width)}  ${value}`);
}

/** Bytes as mebibytes with one decimal: `12.3 MiB`. */
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
/** A share already in percent, rounded: `42%`. */
export const percent = (value: number) => `${value.toFixed(0)}%`;
/** An integer with thousands separators: `5,200`. */
export const thousands = (value: number) => value.toLocaleString('en-US');
/** Milliseconds as seconds with two decimals: `1.25 s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** `count` over `ms` as a rounded rate: `340 posts/s`. */
export const perSecond = (count: number, ms: number, unit: string): string =>
  `${((count / ms) * 1000).toFixed(0)} ${unit}/s`;
