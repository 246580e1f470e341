/**
 * The supergraph reload of `bench:subscriptions` (BENCH_RELOAD_AT_SECONDS): the gateway runs on a copy of the
 * committed supergraph, and that copy is rewritten with a compatible change during the measured rounds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../common/run.ts';

const committedSupergraph = fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url));

/** A compatible change: a field added on Query (owned by the vendor subgraph), nothing the subscribers select. */
export function withFieldElsewhere(sdl: string): string {
  const changed = sdl.replace(
    /(type Query\n(?: {2}@join__type\([^)]*\)\n)+\{\n)/,
    '$1  benchReloadProbe: String @join__field(graph: VENDOR)\n',
  );
  if (changed === sdl) throw new Error('the supergraph has no Query type to add a field to');
  return changed;
}

/** What the gateway said of its reload (its `supergraph reloaded` log line). */
export interface GatewayReload {
  /** When the line was read, `performance.now()`. */
  atMs: number;
  continued: number;
  ended: number;
}

/** The reload as the run saw it: requested, and applied by the gateway (null when it never was). */
export interface ReloadOutcome {
  /** Seconds into the measured rounds it was requested at. */
  atSeconds: number;
  /** From writing the file to the gateway's log line, in ms (it polls the file every 500 ms). */
  appliedAfterMs: number | null;
  continued: number | null;
  ended: number | null;
}

/** The gateway's reload log lines, as `gateway-process` reads them; pushed as they come. */
export type ReloadLog = GatewayReload[];

/** Reads a gateway log line: a reload's figures, or null for any other line. */
export function reloadOf(line: string): GatewayReload | null {
  if (!line.includes('supergraph reloaded')) return null;
  try {
    const { subscriptionsContinued, subscriptionsEnded } = JSON.parse(line) as Record<string, unknown>;
    if (typeof subscriptionsContinued !== 'number' || typeof subscriptionsEnded !== 'number') return null;
    return { atMs: performance.now(), continued: subscriptionsContinued, ended: subscriptionsEnded };
  } catch {
    return null;
  }
}

/** A copy of the committed supergraph for the gateway to run on (and to be rewritten), removed by `remove`. */
export function supergraphCopy(): { path: string; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), 'curbside-bench-supergraph-'));
  const path = join(folder, 'supergraph.graphql');
  writeFileSync(path, readFileSync(committedSupergraph, 'utf8'));
  return { path, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/**
 * At `atMs` (`performance.now()`), rewrites the supergraph file at `path` with a compatible change, then waits up
 * to 10 s for the gateway's reload line in `log`.
 */
export async function reloadAt(path: string, atMs: number, atSeconds: number, log: ReloadLog): Promise<ReloadOutcome> {
  await sleep(atMs - performance.now());
  const writtenAt = performance.now();
  writeFileSync(path, withFieldElsewhere(readFileSync(path, 'utf8')));
  while (log.length === 0 && performance.now() - writtenAt < 10_000) await sleep(50);
  const applied = log[0];
  return {
    atSeconds,
    appliedAfterMs: applied ? applied.atMs - writtenAt : null,
    continued: applied?.continued ?? null,
    ended: applied?.ended ?? null,
  };
}
