/** The figures of `bench:gateway`: each gateway's rounds pooled and compared, printed with the RESULT line. */
import { availableParallelism } from 'node:os';
import { printFacts, printTable, result, type OperationResult } from '../common/report.ts';
import { median, summarize, type ConcurrentRun } from '../common/stats.ts';
import type { GatewayProcess } from './gateway-process.ts';
import type { MixRequest } from './mix.ts';

/** One gateway's measured round. */
export interface Round {
  gateway: GatewayProcess;
  round: number;
  run: ConcurrentRun;
  /** The gateway's own CPU time per request over the round, in ms; null without /proc. */
  cpuMsPerRequest: number | null;
  /** The machine's load average (1 min) after the round. */
  load: number;
}

/** What the run was, for the header lines. */
export interface RunShape {
  seedMs: number;
  rounds: number;
  requestsPerRound: number;
  concurrency: number;
  ownerCount: number;
  vendorsPerOwner: number;
  postCount: number;
}

/** Per gateway: the median round rate, the pooled latencies, the latencies per kind of query and the CPU time. */
function summaries(
  gateways: readonly GatewayProcess[],
  measured: readonly Round[],
  mix: readonly MixRequest[],
  concurrency: number,
) {
  return gateways.map((gateway) => {
    const own = measured.filter((entry) => entry.gateway === gateway);
    const pooled: ConcurrentRun = {
      latenciesMs: own.flatMap((entry) => entry.run.latenciesMs),
      elapsedMs: own.reduce((sum, entry) => sum + entry.run.elapsedMs, 0),
      failures: own.reduce((sum, entry) => sum + entry.run.failures, 0),
      errors: [],
    };
    const roundRates = own.map((entry) => result('', concurrency, entry.run).requestsPerSecond);
    const byKind = (['vendors page', 'posts page', 'me'] as const).map((kind) => {
      const latencies = own.flatMap((entry) =>
        entry.run.latenciesMs.filter((_, i) => mix[i % mix.length]!.kind === kind),
      );
      return { kind, ...summarize(latencies) };
    });
    const cpu = own.flatMap((entry) => (entry.cpuMsPerRequest === null ? [] : [entry.cpuMsPerRequest]));
    return {
      gateway,
      row: {
        ...result(`${gateway.name}: median of ${own.length}`, concurrency, pooled),
        requestsPerSecond: median(roundRates),
      },
      roundRates,
      byKind,
      cpuMsPerRequest: cpu.length > 0 ? median(cpu) : null,
    };
  });
}

/** Prints the rounds, each gateway's summary, the ratios (Curbside first in `gateways`) and the RESULT line. */
export function printReport(
  shape: RunShape,
  gateways: readonly GatewayProcess[],
  measured: readonly Round[],
  mix: readonly MixRequest[],
): void {
  const { concurrency } = shape;
  const rows: OperationResult[] = measured.map(({ gateway, round, run }) =>
    result(`${gateway.name}, round ${round}`, concurrency, run),
  );
  const all = summaries(gateways, measured, mix, concurrency);
  const [ours, theirs] = all as [(typeof all)[number], (typeof all)[number]];
  const throughputRatio = ours.row.requestsPerSecond / theirs.row.requestsPerSecond;
  const cpuRatio =
    ours.cpuMsPerRequest !== null && theirs.cpuMsPerRequest !== null
      ? theirs.cpuMsPerRequest / ours.cpuMsPerRequest
      : null;

  const date = new Date().toISOString();
  const loads = measured.map((entry) => entry.load.toFixed(2)).join(', ');
  console.log(
    `Curbside gateway benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
      `Seeded ${shape.ownerCount * shape.vendorsPerOwner} vendors and ${shape.postCount} posts with photos, likes and comments in ${(shape.seedMs / 1000).toFixed(1)} s.\n` +
      `Mix: vendors page, posts page, me (signed in, equal shares); ${shape.rounds} rounds of ${shape.requestsPerRound} requests ` +
      `per gateway, ${concurrency} at a time, ABBA order.\n` +
      'Subgraphs in this process; each gateway and the load client in a process of its own. Load average ' +
      `(1 min) after each round: ${loads}.`,
  );
  printTable(rows);
  console.log('');
  printTable(all.map((summary) => summary.row));
  console.log('');
  const cpuFact = (summary: (typeof all)[number]) =>
    summary.cpuMsPerRequest === null ? 'unknown (no /proc)' : `${summary.cpuMsPerRequest.toFixed(2)} ms`;
  printFacts([
    ...all.flatMap((summary) =>
      summary.byKind.map(
        (kind) =>
          [
            `${summary.gateway.name}: ${kind.kind}`,
            `p50 ${kind.p50.toFixed(1)} ms, p99 ${kind.p99.toFixed(1)} ms (${kind.count} requests)`,
          ] as const,
      ),
    ),
    [`${ours.gateway.name} CPU per request`, cpuFact(ours)],
    [`${theirs.gateway.name} CPU per request`, cpuFact(theirs)],
    [
      'throughput, Curbside / bare',
      `${throughputRatio.toFixed(2)}× (target ≥ 0.90: ${throughputRatio >= 0.9 ? 'met' : 'MISSED'})`,
    ],
    ['CPU per request, bare / Curbside', cpuRatio === null ? 'unknown' : `${cpuRatio.toFixed(2)}×`],
  ]);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'gateway',
      node: process.version,
      date,
      concurrency,
      rounds: rows,
      summaries: all.map((summary) => ({
        gateway: summary.gateway.name,
        requestsPerSecond: summary.row.requestsPerSecond,
        roundRates: summary.roundRates,
        p50Ms: summary.row.p50Ms,
        p99Ms: summary.row.p99Ms,
        cpuMsPerRequest: summary.cpuMsPerRequest,
        byKind: summary.byKind,
      })),
      throughputRatio,
      cpuRatio,
      loadAverages: measured.map((entry) => entry.load),
    })}`,
  );
}
