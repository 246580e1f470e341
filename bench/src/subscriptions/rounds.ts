/**
 * The publishing rounds of `bench:subscriptions`: probe rounds until every subscriber hears from the gateway, then
 * the measured rounds, with the processes' CPU time and the deliveries still arriving after the last round.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuSeconds, machineBusySeconds } from '../common/proc.ts';
import { sleep } from '../common/run.ts';
import { pollClient, type ClientProcess } from './client-process.ts';
import {
  drainQuietMs,
  publishRounds,
  readinessTimeoutMs,
  roundPeriodMs,
  subscriberCount,
  vendorCount,
} from './config.ts';
import type { StatusReply } from './protocol.ts';
import { publish, type Publishing } from './publisher.ts';

/** Where the publisher moves the vendors: the location subgraph, as the vendors' owner. */
export interface PublishTarget {
  locationUrl: string;
  token: string;
  vendorIds: readonly string[];
  /** Per vendor, the `updatedAt` of its last accepted update in epoch ms, carried from round to round. */
  lastUpdatedAtMs: number[];
}

export interface Readiness {
  probeRounds: number;
  readinessMs: number;
  /** When the last probe round started (`performance.now()`): the measured rounds go on from it. */
  lastRoundStart: number;
}

/**
 * A subscriber counts as subscribed once an event reached it: only then does the gateway hold its subscription and
 * the shared upstream. Probe rounds repeat until every subscriber got one; throws when one fails, the gateway ends
 * a subscription, or `readinessTimeoutMs` passes.
 */
export async function waitUntilEverySubscriberHears(client: ClientProcess, target: PublishTarget): Promise<Readiness> {
  const { locationUrl, token, vendorIds, lastUpdatedAtMs } = target;
  const readinessStart = performance.now();
  let probeRounds = 0;
  let lastRoundStart = 0;
  for (;;) {
    lastRoundStart = performance.now();
    const probe = await publish(locationUrl, token, vendorIds, lastUpdatedAtMs, 1, lastRoundStart);
    probeRounds++;
    if (probe.failures.length > 0) throw new Error(`probe updates failed: ${probe.failures.slice(0, 3).join('; ')}`);
    const status = await pollClient(
      client,
      (status) => status.receiving === subscriberCount || status.endedByServer > 0,
      () => performance.now() - lastRoundStart > roundPeriodMs * 3,
    );
    if (status.receiving === subscriberCount) break;
    if (status.endedByServer > 0 || performance.now() - readinessStart > readinessTimeoutMs) {
      throw new Error(
        `only ${status.receiving} of ${subscriberCount} subscribers received an event; ${status.endedByServer} ` +
          `subscription(s) or socket(s) ended by the gateway; first problems:\n  ${status.examples.join('\n  ')}`,
      );
    }
  }
  return { probeRounds, readinessMs: performance.now() - readinessStart, lastRoundStart };
}

/** The processes whose CPU time is measured while publishing. */
export interface MeasuredPids {
  gateway: number;
  client: number;
  subgraphs: readonly number[];
  location: number;
}

export interface MeasuredRounds {
  publishing: Publishing;
  /** The span the accepted updates were stamped over, plus one vendor's slot: what the rates are per. */
  windowMs: number;
  /** Each process's CPU time while publishing and draining, in % of one core (`machine`: all CPUs busy). */
  cpu: { gateway: number; client: number; subgraphs: number; location: number; bench: number; machine: number };
  /** Whatever else ran meanwhile (another test run, PostgreSQL, Redis) took CPU from the measured processes. */
  otherCpu: number;
  /** This process's event loop delay over the rounds. */
  publisherLoopDelay: ReturnType<typeof monitorEventLoopDelay>;
}

/**
 * The measured rounds, going on from the last probe round on the same schedule: `publishRounds` rounds, then the
 * deliveries still arriving are waited for until none came for `drainQuietMs`.
 */
export async function measureRounds(
  client: ClientProcess,
  target: PublishTarget,
  pids: MeasuredPids,
  lastRoundStart: number,
): Promise<MeasuredRounds> {
  await sleep(lastRoundStart + roundPeriodMs - performance.now());
  const windowStart = performance.now();
  await client.ask<StatusReply>({ type: 'measure' });
  // This process only publishes: its delays postpone sends and late-stamp the mutations' answers.
  const publisherLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  publisherLoopDelay.enable();
  const subgraphsCpuSeconds = () => pids.subgraphs.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuBefore = {
    gateway: cpuSeconds(pids.gateway),
    client: cpuSeconds(pids.client),
    subgraphs: subgraphsCpuSeconds(),
    location: cpuSeconds(pids.location),
    bench: cpuSeconds(process.pid),
    machine: machineBusySeconds(),
  };
  const publishing = await publish(
    target.locationUrl,
    target.token,
    target.vendorIds,
    target.lastUpdatedAtMs,
    publishRounds,
    windowStart,
  );
  const { accepted } = publishing;
  const stamps = accepted.map(([, updatedAt]) => Date.parse(updatedAt));
  const windowMs =
    stamps.length === 0
      ? publishing.elapsedMs
      : stamps.reduce((a, b) => Math.max(a, b)) - stamps.reduce((a, b) => Math.min(a, b)) + roundPeriodMs / vendorCount;

  await client.ask<StatusReply>({ type: 'expect', accepted });
  let lastProgress = { received: -1, atMs: performance.now() };
  await pollClient(
    client,
    (status) => status.received >= status.expected,
    (status) => {
      if (status.received !== lastProgress.received)
        lastProgress = { received: status.received, atMs: performance.now() };
      return performance.now() - lastProgress.atMs > drainQuietMs;
    },
  );
  const busyMs = performance.now() - windowStart;
  publisherLoopDelay.disable();
  const coreShare = (seconds: number) => (seconds / (busyMs / 1000)) * 100;
  const cpu = {
    gateway: coreShare(cpuSeconds(pids.gateway) - cpuBefore.gateway),
    client: coreShare(cpuSeconds(pids.client) - cpuBefore.client),
    subgraphs: coreShare(subgraphsCpuSeconds() - cpuBefore.subgraphs),
    location: coreShare(cpuSeconds(pids.location) - cpuBefore.location),
    bench: coreShare(cpuSeconds(process.pid) - cpuBefore.bench),
    machine: coreShare(machineBusySeconds() - cpuBefore.machine),
  };
  const otherCpu = cpu.machine - cpu.gateway - cpu.client - cpu.subgraphs - cpu.bench;
  return { publishing, windowMs, cpu, otherCpu, publisherLoopDelay };
}
