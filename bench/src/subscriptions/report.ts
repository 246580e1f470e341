/** The figures of `bench:subscriptions`, printed: the latency table, the facts, the target and the RESULT line. */
import { availableParallelism } from 'node:os';
import { mib, percent, printFacts, printTable, result, thousands, type OperationResult } from '../common/report.ts';
import { summarize } from '../common/stats.ts';
import {
  gatewayProfileDir,
  publishRounds,
  roundPeriodMs,
  roundsAway,
  signedInUsers,
  subscriberCount,
  vendorCount,
} from './config.ts';
import type { ClientReport, ConnectReply } from './protocol.ts';
import type { ReloadOutcome } from './reload.ts';
import type { ResumePhase } from './resume-phase.ts';
import type { MeasuredRounds, Readiness } from './rounds.ts';
import { entityFetches, gatewayPauses } from './gateway-figures.ts';

/** What a run of the benchmark measured, phase by phase. */
export interface RunFigures {
  descriptorLimit: number;
  descriptorWarning: string | null;
  signedInDescriptorWarning: string | null;
  /** How long signing the signed-in users' tokens took, in ms. */
  mintingMs: number;
  connected: ConnectReply;
  readiness: Readiness;
  /** The gateway once every subscriber heard from it, before the measured rounds. */
  subscribed: { rss: number; descriptors: number; metrics: Map<string, number>; upstreamSockets: number };
  /** The gateway's resident memory before any subscriber connected. */
  idleRss: number;
  measured: MeasuredRounds;
  /** The gateway after the measured rounds. */
  published: { rss: number; metrics: Map<string, number> };
  report: ClientReport;
  /** Client sockets still open after the measured rounds. */
  openSockets: number;
  resume: ResumePhase;
  /** The supergraph reload during the measured rounds (BENCH_RELOAD_AT_SECONDS); null without one. */
  reload: ReloadOutcome | null;
}

/**
 * Prints the run's figures; true when no event was lost or malformed, every resumed subscriber got its own, and a
 * reload asked for was applied without ending a subscription.
 */
export function printReport(figures: RunFigures): boolean {
  const { descriptorLimit, descriptorWarning, signedInDescriptorWarning, mintingMs, connected, report, resume } =
    figures;
  const { probeRounds, readinessMs } = figures.readiness;
  const { rss: subscribedRss, descriptors: gatewayDescriptors, upstreamSockets } = figures.subscribed;
  const subscribedMetrics = figures.subscribed.metrics;
  const { idleRss, openSockets } = figures;
  const { publishing, windowMs, cpu, otherCpu, publisherLoopDelay } = figures.measured;
  const { accepted, rateLimitedRetries } = publishing;
  const publishFailures = publishing.failures;
  const { rss: publishedRss, metrics: publishedMetrics } = figures.published;
  const resumeReport = resume.report;
  const resumePublishFailures = [...resume.whileAway.failures, ...resume.live.failures];
  const resumeEndings = Object.entries(resumeReport.endedBy);
  const resumeEnded = resumeEndings.reduce((sum, [, count]) => sum + count, 0);
  const resumeFailures =
    resumeReport.lost +
    resumeReport.repeated +
    resumeReport.outOfOrder +
    resumeReport.malformed +
    resumeReport.unexpected +
    resumeEnded +
    resumeReport.withoutEventId +
    (resumeReport.stayedExpected - resumeReport.stayedReceived) +
    resumeReport.stayedFailures +
    resumePublishFailures.length;
  const catchUp = resumeReport.catchUpMs.length === 0 ? null : summarize(resumeReport.catchUpMs);
  const resubscribe = resumeReport.subscribeMs.length === 0 ? null : summarize(resumeReport.subscribeMs);

  const lost = report.expected - report.received;
  const failures = report.malformed + report.stale + report.endedByServer + publishFailures.length;
  const { reload } = figures;
  const reloadFailed = reload !== null && (reload.appliedAfterMs === null || reload.ended !== 0);
  /** A latency row over the publishing window; none when nothing was measured. */
  const row = (operation: string, concurrency: number, samplesMs: number[], failed = 0) =>
    samplesMs.length === 0
      ? []
      : [
          result(operation, concurrency, {
            latenciesMs: samplesMs,
            elapsedMs: windowMs,
            failures: failed,
            errors: [],
          }),
        ];
  const [delivery] = row('event -> every subscriber (delivery)', subscriberCount, report.latenciesMs);
  const results: OperationResult[] = [
    ...row('updateVendorLocation @ location subgraph', vendorCount, publishing.latenciesMs, publishFailures.length),
    ...row('  updatedAt -> mutation answered', vendorCount, publishing.writeAndPublishMs),
    ...row('event at the location subgraph socket', vendorCount, report.upstreamMs),
    ...row('event -> first subscriber of the event', vendorCount, report.firstDeliveryMs),
    ...row('  gateway: upstream event -> first subscriber', vendorCount, report.gatewayMs),
    ...row('fan-out: first -> last subscriber', vendorCount, report.fanOutMs),
    ...(delivery ? [delivery] : []),
  ];
  const deliveredPerSecond = (report.received / windowMs) * 1000;
  const offeredPerSecond = (report.expected / windowMs) * 1000;
  // Both after a full collection (see subscriptions.ts): what the gateway holds with its subscribers, once they
  // have been served, over what it holds idle.
  const rssPerThousand = ((publishedRss - idleRss) / subscriberCount) * 1000;
  const targetMissed = [
    subscriberCount < 5_000 && 'fewer than 5,000 subscribers',
    deliveredPerSecond < 5_000 &&
      (lost === 0
        ? `under 5,000 deliveries/s (every one of the ${thousands(Math.round(offeredPerSecond))}/s offered arrived: ` +
          'the publisher fell short)'
        : 'under 5,000 deliveries/s'),
    (!delivery || delivery.p99Ms >= 200) && 'p99 not under 200 ms',
    lost > 0 && 'events lost',
  ].filter(Boolean);

  const date = new Date().toISOString();
  console.log(
    `Curbside subscriptions benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
      'The gateway runs as a process of its own (NODE_ENV=production); the load client too, one graphql-ws socket\n' +
      'per subscriber, plus one socket straight to the location subgraph (one subscription per vendor) that\n' +
      'splits the latency at the gateway; each subgraph runs as a process of its own (the e2e process stack,\n' +
      'NODE_ENV=development); the publisher alone is this process. Latency: receive time in the client minus\n' +
      "the event's updatedAt (set by the location subgraph before its write).",
  );
  if (descriptorWarning) console.log(descriptorWarning);
  if (signedInDescriptorWarning) console.log(signedInDescriptorWarning);
  printTable(results);
  console.log();
  const perVendor = subscriberCount / vendorCount;
  const resumingPerVendor = resume.left.left / vendorCount;
  const metric = (samples: Map<string, number>, name: string) => {
    const value = samples.get(`curbside_gateway_${name}`);
    return value === undefined ? '?' : thousands(value);
  };
  /** What the gateway held towards the location subgraph once every subscriber was served (its /metrics). */
  const location = {
    sockets: subscribedMetrics.get('curbside_gateway_upstream_sockets{subgraph="location"}') ?? null,
    shared:
      subscribedMetrics.get('curbside_gateway_upstream_subscriptions{subgraph="location",sharing="shared"}') ?? null,
    perViewer:
      subscribedMetrics.get('curbside_gateway_upstream_subscriptions{subgraph="location",sharing="viewer"}') ?? null,
    viewers: subscribedMetrics.get('curbside_gateway_shared_upstream_viewers{subgraph="location"}') ?? null,
    maxViewers: subscribedMetrics.get('curbside_gateway_shared_upstream_viewers_max{subgraph="location"}') ?? null,
    sharedHydrations: subscribedMetrics.get('curbside_gateway_subscription_shared_hydrations') ?? null,
  };
  const known = (value: number | null) => (value === null ? '?' : thousands(value));
  printFacts([
    [
      'subscribers',
      `${thousands(subscriberCount)} (${Number.isInteger(perVendor) ? perVendor : perVendor.toFixed(1)} per vendor)`,
    ],
    [
      'credentials',
      (signedInUsers === 0
        ? 'anonymous, every subscriber'
        : `${thousands(signedInUsers)} distinct signed-in users, subscriber i as user i % ${signedInUsers} ` +
          `(random ids without accounts, tokens signed in ${mintingMs.toFixed(0)} ms)`) +
        (subscribedMetrics.size === 0
          ? "; the gateway's /metrics did not answer within 5 s; it held "
          : `; the gateway held ${metric(subscribedMetrics, 'subscriptions')} subscriptions on ` +
            `${metric(subscribedMetrics, 'websocket_connections')} sockets (/metrics); `) +
        (publishedMetrics.size === 0
          ? 'events dropped for slow subscribers unknown (/metrics did not answer after publishing)'
          : `${metric(publishedMetrics, 'subscription_events_dropped')} events dropped for slow subscribers`),
    ],
    [
      'upstreams to location',
      `${thousands(upstreamSockets)} socket(s) (TCP; ${known(location.sockets)} by /metrics); subscriptions ` +
        `${known(location.shared)} shared and ${known(location.perViewer)} per viewer; ` +
        `${known(location.sharedHydrations)} shared hydrations; viewers per shared upstream ` +
        (location.viewers !== null && location.shared
          ? `${(location.viewers / location.shared).toFixed(1)} on average, ${known(location.maxViewers)} at most`
          : '?'),
    ],
    ['entity fetches', entityFetches(subscribedMetrics, publishedMetrics)],
    ['gateway pauses', gatewayPauses(subscribedMetrics, publishedMetrics)],
    [
      'vendors',
      `${vendorCount}, each moved every ${(roundPeriodMs / 1000).toFixed(2)} s on a fixed schedule, ` +
        `${publishRounds} rounds`,
    ],
    [
      'sockets',
      `${thousands(openSockets)} client sockets open at the end; gateway holds ${thousands(gatewayDescriptors)} ` +
        `file descriptors (limit ${Number.isFinite(descriptorLimit) ? thousands(descriptorLimit) : 'none'} ` +
        'per process)',
    ],
    [
      'subscribed',
      `sockets acknowledged in ${(connected.elapsedMs / 1000).toFixed(1)} s; every subscriber received a probe ` +
        `event after ${probeRounds} round(s), ${(readinessMs / 1000).toFixed(1)} s`,
    ],
    [
      'updates accepted',
      `${thousands(accepted.length)} of ${thousands(publishRounds * vendorCount)} ` +
        `(${rateLimitedRetries} retried after RATE_LIMITED, ${publishFailures.length} failed; ` +
        `${publishing.heldBack} held back past the schedule for the rate limit, ` +
        `by up to ${publishing.heldBackMaxMs.toFixed(0)} ms)`,
    ],
    [
      'delivered',
      `${thousands(report.received)} of ${thousands(report.expected)} expected: ` +
        `${thousands(Math.round(deliveredPerSecond))} hydrated deliveries/s ` +
        `(offered ${thousands(Math.round(offeredPerSecond))}/s)`,
    ],
    [
      'publish -> receive',
      delivery
        ? `p50 ${delivery.p50Ms.toFixed(0)} ms, p99 ${delivery.p99Ms.toFixed(0)} ms, max ${delivery.maxMs.toFixed(0)} ms`
        : 'no delivery',
    ],
    ['lost events', thousands(lost)],
    ...(reload
      ? [
          [
            'supergraph reload',
            reload.appliedAfterMs === null
              ? `asked for ${reload.atSeconds} s into the rounds, NOT applied by the gateway within 10 s`
              : `${reload.atSeconds} s into the rounds, applied ${reload.appliedAfterMs.toFixed(0)} ms after the ` +
                `file changed (the gateway polls it every 500 ms): ${thousands(reload.continued ?? 0)} subscriptions ` +
                `continued, ${thousands(reload.ended ?? 0)} ended; over the measured rounds, lost ${thousands(lost)}, ` +
                `repeated or out of order ${thousands(report.stale)}, ended by the gateway ${report.endedByServer}`,
          ] as [string, string],
        ]
      : []),
    [
      'failures',
      `${failures} (malformed ${report.malformed}, repeated or out of order ${report.stale}, ended by the ` +
        `gateway ${report.endedByServer}, failed updates ${publishFailures.length})`,
    ],
    [
      'gateway RSS',
      `${mib(idleRss)} idle, ${mib(subscribedRss)} subscribed, ${mib(publishedRss)} after publishing (idle and ` +
        'after publishing each read after a full collection): ' +
        `${mib(rssPerThousand)} per 1,000 subscribers`,
    ],
    [
      'CPU while publishing',
      `gateway ${percent(cpu.gateway)}, load client ${percent(cpu.client)}, subgraphs ` +
        `${percent(cpu.subgraphs)} (location ${percent(cpu.location)}), publisher ${percent(cpu.bench)}, ` +
        `everything else ${percent(otherCpu)} (PostgreSQL, Redis, other programs), ` +
        `of ${availableParallelism() * 100}% (100% = one core)`,
    ],
    [
      'publisher event loop',
      `delay p99 ${(publisherLoopDelay.percentile(99) / 1e6).toFixed(0)} ms, ` +
        `max ${(publisherLoopDelay.max / 1e6).toFixed(0)} ms (this process: it only publishes)`,
    ],
    [
      'load client event loop',
      `delay p99 ${report.eventLoopDelayP99Ms.toFixed(0)} ms, max ${report.eventLoopDelayMaxMs.toFixed(0)} ms ` +
        '(counted in the latencies above)',
    ],
    [
      'resume: left',
      `${thousands(resume.left.left)} subscribers ` +
        `(${Number.isInteger(resumingPerVendor) ? resumingPerVendor : resumingPerVendor.toFixed(1)} per vendor) ` +
        `closed their sockets after the measured rounds, keeping their last eventId ` +
        `(${resume.left.withoutEventId} had none)`,
    ],
    [
      'resume: while away',
      `${roundsAway} rounds on the same schedule: ${thousands(resume.whileAway.accepted.length)} of ` +
        `${thousands(roundsAway * vendorCount)} updates accepted (${resume.whileAway.rateLimitedRetries} retried ` +
        `after RATE_LIMITED, ${resume.whileAway.failures.length} failed; ${resume.whileAway.heldBack} held back ` +
        `past the schedule for the rate limit)`,
    ],
    [
      'resume: reconnected',
      'all at once, on new sockets with extensions.lastEventId; then 1 live round without waiting for them: ' +
        `${resume.live.accepted.length} of ${vendorCount} updates accepted (${resume.live.rateLimitedRetries} ` +
        `retried, ${resume.live.failures.length} failed, ${resume.live.heldBack} held back)`,
    ],
    [
      'resumed delivery',
      `${thousands(resumeReport.received)} of ${thousands(resumeReport.expected)} expected events (the missed ` +
        `ones, then the live one) arrived: lost ${resumeReport.lost}, repeated ${resumeReport.repeated}, out of ` +
        `order ${resumeReport.outOfOrder}, malformed ${resumeReport.malformed}, not published ` +
        `${resumeReport.unexpected}`,
    ],
    [
      'resumed streams ended',
      resumeEndings.length === 0
        ? 'none'
        : resumeEndings.map(([endedBy, count]) => `${endedBy} ${thousands(count)}`).join(', '),
    ],
    [
      'resume -> subscribed',
      resubscribe
        ? `p50 ${resubscribe.p50.toFixed(0)} ms, p99 ${resubscribe.p99.toFixed(0)} ms, max ` +
          `${resubscribe.max.toFixed(0)} ms (${thousands(resubscribe.count)} subscribers, from opening the new ` +
          'socket to connection_ack and the subscribe sent)'
        : 'none acknowledged',
    ],
    [
      'resume -> caught up',
      (catchUp
        ? `p50 ${catchUp.p50.toFixed(0)} ms, p99 ${catchUp.p99.toFixed(0)} ms, max ${catchUp.max.toFixed(0)} ms ` +
          `(${thousands(catchUp.count)} subscribers, from opening the new socket to the last missed event); `
        : 'none caught up; ') +
        (resumeReport.allCaughtUpMs === null
          ? 'not all caught up'
          : `all caught up ${resumeReport.allCaughtUpMs.toFixed(0)} ms after the first reconnection`),
    ],
    [
      'stayed connected',
      `${thousands(resumeReport.stayedReceived)} of ${thousands(resumeReport.stayedExpected)} deliveries of ` +
        `the resume phase's updates, ${resumeReport.stayedFailures} failures`,
    ],
  ]);
  const problems = [...report.examples, ...publishFailures.slice(0, 3)];
  if (problems.length > 0) console.error(`first problems:\n  ${problems.join('\n  ')}`);
  const resumeProblems = [...resumeReport.examples, ...resumePublishFailures.slice(0, 3)];
  if (resumeProblems.length > 0) console.error(`first resume problems:\n  ${resumeProblems.join('\n  ')}`);
  console.log(
    'Target on this 2-core machine: 5,000 subscribers, 5,000 hydrated deliveries/s, p99 < 200 ms, none lost.',
  );
  console.log(targetMissed.length === 0 ? 'Target met.' : `Target missed: ${targetMissed.join(', ')}.`);
  if (gatewayProfileDir) console.log(`Gateway CPU profile: written to ${gatewayProfileDir} when the gateway exits.`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'subscriptions',
      node: process.version,
      date,
      subscriberCount,
      signedInUsers,
      vendorCount,
      publishRounds,
      roundPeriodMs,
      deliveredPerSecond,
      expected: report.expected,
      received: report.received,
      lost,
      failures,
      gatewayRssBytes: { idle: idleRss, subscribed: subscribedRss, published: publishedRss },
      // Signed-in runs compare with anonymous ones by these: sockets and CPU (100 = one core) while publishing.
      upstreamSocketsToLocation: upstreamSockets,
      upstreamsToLocation: location,
      cpuPercent: cpu,
      results,
      reload: reload && { ...reload, lost, repeatedOrOutOfOrder: report.stale, endedByGateway: report.endedByServer },
      resume: {
        subscribers: resume.left.left,
        withoutEventId: resume.left.withoutEventId,
        roundsAway,
        updatesWhileAway: resume.whileAway.accepted.length,
        liveUpdates: resume.live.accepted.length,
        publishFailures: resumePublishFailures.length,
        expected: resumeReport.expected,
        received: resumeReport.received,
        lost: resumeReport.lost,
        repeated: resumeReport.repeated,
        outOfOrder: resumeReport.outOfOrder,
        malformed: resumeReport.malformed,
        unexpected: resumeReport.unexpected,
        endedBy: resumeReport.endedBy,
        subscribeMs: resubscribe && {
          count: resubscribe.count,
          p50: resubscribe.p50,
          p99: resubscribe.p99,
          max: resubscribe.max,
        },
        catchUpMs: catchUp && { count: catchUp.count, p50: catchUp.p50, p99: catchUp.p99, max: catchUp.max },
        allCaughtUpMs: resumeReport.allCaughtUpMs,
        stayedExpected: resumeReport.stayedExpected,
        stayedReceived: resumeReport.stayedReceived,
        stayedFailures: resumeReport.stayedFailures,
        failures: resumeFailures,
      },
    })}`,
  );
  return lost === 0 && failures === 0 && resumeFailures === 0 && !reloadFailed;
}
