/** The figures of `bench:workers`, printed: one section per measurement, the failures and the RESULT line. */
import { availableParallelism } from 'node:os';
import {
  latencyResult,
  perSecond,
  printFacts,
  printLatencyTable,
  seconds,
  type LatencyResult,
} from '../common/report.ts';
import {
  burstConcurrency,
  burstPosts,
  drainPosts,
  drainTargetPerSecond,
  burstTimeoutMs,
  leastBacklog,
  pollIntervalMs,
  relayEvents,
  relaySpacingMs,
  relayTargetP95Ms,
  searchableTargetP95Ms,
  searchQueueName,
  visibilityPosts,
} from './config.ts';
import type { BurstRun, DrainRun, RelayRun, VisibilityRun } from './measure.ts';

/** Prints the three measurements and the RESULT line; returns the failures (none: an empty list). */
export function printReport(
  relay: RelayRun,
  visibility: VisibilityRun,
  burst: BurstRun,
  drain: DrainRun,
  queueCount: number,
): string[] {
  const date = new Date().toISOString();
  console.log(
    `Curbside workers benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
      'Every service, the workers and the load generator share one process (one core for JavaScript).\n' +
      `Event times are the outbox row's occurred_at, set just before the mutation's commit; job times are BullMQ's.`,
  );

  console.log(
    `\n1. Relay, event to job, on an idle stack: ${relayEvents} createPost one at a time, ${relaySpacingMs} ms apart`,
  );
  const relayRows: LatencyResult[] = [];
  if (relay.toSearchQueue.length > 0) {
    relayRows.push(latencyResult(`event → job in ${searchQueueName}`, relay.toSearchQueue, relayTargetP95Ms));
    relayRows.push(latencyResult(`event → job in all ${queueCount} queues of post.created`, relay.toEveryQueue));
    printLatencyTable(relayRows);
  }
  if (relay.missingJobs > 0) console.error(`${relay.missingJobs} relayed event(s) have no job in one of their queues`);

  const searchRoundTrip =
    visibility.searchRoundTrips.length > 0
      ? `${latencyResult('', visibility.searchRoundTrips).p50Ms.toFixed(1)} ms at p50`
      : 'none completed';
  console.log(
    `\n2. Event to visible: ${visibilityPosts} createPost one at a time, each polled for every ${pollIntervalMs} ms ` +
      `through the gateway\n   (a sighting is late by up to ${pollIntervalMs} ms plus one search round trip: ${searchRoundTrip})`,
  );
  const visibilityRows: LatencyResult[] = [];
  if (visibility.searchable.length > 0) {
    visibilityRows.push(
      latencyResult('createPost response → found by search', visibility.searchable, searchableTargetP95Ms),
    );
  }
  if (visibility.inFeed.length > 0) {
    visibilityRows.push(latencyResult("createPost response → in follower's feed (read time)", visibility.inFeed));
  }
  const visibilityStages = visibility.stages;
  if (visibilityStages.fromEvent.length > 0) {
    visibilityRows.push(
      latencyResult('  event → found by search', visibilityStages.fromEvent),
      latencyResult('    event → job in search.index (relay)', visibilityStages.relay),
      latencyResult('    job → taken by a worker (queue wait)', visibilityStages.queueWait),
      latencyResult('    taken → indexed (handler)', visibilityStages.handler),
      latencyResult('    indexed → seen by the next search (polling)', visibilityStages.untilSearched),
    );
  }
  if (visibilityRows.length > 0) printLatencyTable(visibilityRows);
  console.log(
    `In the feed at the first read after createPost: ${visibility.inFeedAtFirstRead} of ${visibility.inFeed.length} ` +
      '(the feed is computed when read: its row is read-your-writes plus feed round trips).\n' +
      'The index is readable once its handler commits: the last stage is the polling lateness.',
  );
  for (const failure of visibility.failures.slice(0, 5)) console.error(`  ${failure}`);

  console.log(
    `\n3. Indexing throughput: ${burstPosts} createPost, ${burstConcurrency} in flight, until the index holds them all`,
  );
  const { backlog } = burst;
  printFacts([
    [
      'posts created through the API',
      `${burst.created} in ${seconds(burst.apiMs)}: ${perSecond(burst.created, burst.apiMs, 'posts')}`,
    ],
    [
      'end to end (first request → all indexed)',
      burst.totalMs === null
        ? `INCOMPLETE after ${seconds(burstTimeoutMs)} past the last response`
        : `${seconds(burst.totalMs)}: ${perSecond(burst.created, burst.totalMs, 'documents')}`,
    ],
    [
      'backlog at the last API response',
      `${backlog.documents} not indexed yet (${backlog.unrelayed} events in the outbox, ` +
        `${backlog.queued} jobs waiting or running in ${searchQueueName})`,
    ],
    [
      'workers alone (backlog drained after it)',
      burst.drainMs === null
        ? `not measurable: the index kept within ${leastBacklog} documents of the API`
        : `${seconds(burst.drainMs)}: ${perSecond(backlog.documents, burst.drainMs, 'documents')}`,
    ],
  ]);
  const burstRows: LatencyResult[] = [];
  if (burst.stages.handler.length > 0) {
    burstRows.push(
      latencyResult('event → job in search.index (relay)', burst.stages.relay),
      latencyResult('job → taken by a worker (queue wait)', burst.stages.queueWait),
      latencyResult('taken → indexed (handler)', burst.stages.handler),
    );
    console.log('During the burst, per document:');
    printLatencyTable(burstRows);
  }

  console.log(
    `\n4. Workers alone: ${drainPosts} createPost with ${searchQueueName} paused, then resumed until the index holds them all`,
  );
  const drainRate = drain.drainMs === null ? null : (drain.queued / drain.drainMs) * 1000;
  printFacts([
    [
      'backlog drained by the workers',
      drain.drainMs === null
        ? `INCOMPLETE: ${drain.queued} documents not all indexed`
        : `${drain.queued} documents (${drain.jobs} jobs) in ${seconds(drain.drainMs)}: ` +
          `${perSecond(drain.queued, drain.drainMs, 'documents')} ` +
          `(target ${drainTargetPerSecond.toLocaleString('en')}/s: ${drainRate! >= drainTargetPerSecond ? 'met' : 'NOT met'})`,
    ],
    ['jobs failed and retried meanwhile', String(drain.failedJobs)],
  ]);

  const failures = [
    relay.missingJobs > 0 ? `${relay.missingJobs} event(s) missing a job` : '',
    visibility.failures.length > 0 ? `${visibility.failures.length} post(s) not seen in time` : '',
    burst.failures > 0 ? `${burst.failures} burst createPost request(s) failed` : '',
    burst.totalMs === null ? 'the index never held the whole burst' : '',
    drain.failures > 0 ? `${drain.failures} drain createPost request(s) failed` : '',
    drain.drainMs === null ? 'the workers never drained the backlog' : '',
  ].filter(Boolean);
  console.log(
    `\nIndexing throughput (workers alone): ${
      drainRate === null ? 'not measured (the backlog was not drained)' : `${Math.round(drainRate)} documents/s`
    }; target ${drainTargetPerSecond.toLocaleString('en')} documents/s: ${
      drainRate !== null && drainRate >= drainTargetPerSecond ? 'met' : 'NOT met'
    }`,
  );
  if (failures.length > 0) console.error(`\nFAILED: ${failures.join('; ')}`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'workers',
      node: process.version,
      date,
      relay: relayRows,
      visibility: visibilityRows,
      burst: {
        posts: burst.created,
        concurrency: burstConcurrency,
        apiMs: burst.apiMs,
        totalMs: burst.totalMs,
        backlog,
        drainMs: burst.drainMs,
        stages: burstRows,
      },
      drain: {
        documents: drain.queued,
        jobs: drain.jobs,
        drainMs: drain.drainMs,
        perSecond: drainRate,
        failedJobs: drain.failedJobs,
      },
      failures,
    })}`,
  );
  return failures;
}
