/** The figures of `bench:outbox`, printed: the table's size and the relay latency of each phase, and RESULT. */
import { availableParallelism } from 'node:os';
import { latencyResult, printFacts, printLatencyTable, thousands, type LatencyResult } from '../common/report.ts';
import {
  movingVendors,
  phaseSeconds,
  pruneIntervalSeconds,
  queuedEventsPerSecond,
  relayTargetP95Ms,
  retentionSeconds,
  unqueuedRetentionSeconds,
} from './config.ts';
import type { PhaseRun } from './measure.ts';

/**
 * The most rows pruning lets the table hold: each event for its retention plus one pruning interval, and a second
 * of unsent rows (the relay's lag). Positions are no longer a declared event (no subgraph records them), so rows
 * of that name, such as an older deployment left, are kept for the general retention, not the short one of
 * declared events no queue receives.
 */
export function rowBound(recordPositions: boolean): number {
  const perSecond = queuedEventsPerSecond + (recordPositions ? movingVendors : 0);
  return perSecond * (retentionSeconds + pruneIntervalSeconds + 1);
}

const describe = (run: PhaseRun) => {
  const max = Math.max(...run.rows);
  const lastHalf = run.rows.slice(Math.floor(run.rows.length / 2));
  return { max, last: run.rows.at(-1) ?? 0, lastHalfMax: Math.max(...lastHalf), maxUnsent: Math.max(...run.unsent) };
};

/** Prints both phases and the RESULT line; returns the failures (none: an empty list). */
export function printReport(phases: { label: string; run: PhaseRun; bound: number | null }[]): string[] {
  const date = new Date().toISOString();
  console.log(
    `Curbside outbox benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
      `${thousands(movingVendors)} vendors moving (a position a second each) and ${queuedEventsPerSecond} queued events a ` +
      `second, for ${phaseSeconds} s per phase.\nCompressed clock: retention ${retentionSeconds} s (7 days), events no ` +
      `queue receives ${unqueuedRetentionSeconds} s (10 minutes), pruning every ${pruneIntervalSeconds} s (1 minute).`,
  );
  const failures: string[] = [];
  const latencies: LatencyResult[] = [];
  const results = [];
  for (const { label, run, bound } of phases) {
    const figures = describe(run);
    console.log(`\n${label}`);
    printFacts([
      ['rows recorded', thousands(run.recorded)],
      ['rows in the table, at the end', thousands(figures.last)],
      ['rows in the table, most at any second', thousands(figures.max)],
      ['rows in the table, most over the second half', thousands(figures.lastHalfMax)],
      ['unsent rows, most at any second', thousands(figures.maxUnsent)],
      ['bound', bound === null ? 'none: the table grows with every event' : `${thousands(bound)} rows`],
      [
        'rows every 10 s',
        run.rows
          .filter((_, i) => i % 10 === 9)
          .map(thousands)
          .join(', '),
      ],
    ]);
    if (bound !== null && figures.max > bound) failures.push(`${label}: ${figures.max} rows, over the bound ${bound}`);
    latencies.push(latencyResult(`${label}: event → queued (relay)`, run.relayMs, relayTargetP95Ms));
    results.push({ label, recorded: run.recorded, ...figures, bound });
  }
  console.log('\nRelay latency of the queued events, read from their rows (occurred_at → sent_at):');
  printLatencyTable(latencies);
  if (failures.length > 0) console.error(`\nFAILED: ${failures.join('; ')}`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'outbox',
      node: process.version,
      date,
      movingVendors,
      queuedEventsPerSecond,
      phaseSeconds,
      retentionSeconds,
      unqueuedRetentionSeconds,
      pruneIntervalSeconds,
      phases: results,
      relay: latencies,
      failures,
    })}`,
  );
  return failures;
}
