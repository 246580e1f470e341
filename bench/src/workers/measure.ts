/**
 * The measurements of `bench:workers`, on posts created through the gateway: the relay alone, event to visible
 * (search and feed), and indexing throughput; and the warm-up before them. `@curbside/e2e` is loaded on first
 * use, after the benchmark has set its test-run environment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Account, TestStack as Stack } from '@curbside/e2e';
import { checkedData, reportFailures } from '../common/report.ts';
import { runConcurrent } from '../common/stats.ts';
import {
  burstConcurrency,
  burstPosts,
  drainPosts,
  drainTimeoutMs,
  burstTimeoutMs,
  leastBacklog,
  pollIntervalMs,
  relayEvents,
  relaySpacingMs,
  searchQueueName,
  visibilityPosts,
  visibilityTimeoutMs,
  warmUpPosts,
} from './config.ts';
import type { JobTimes, RecordedEvent } from './event-timings.ts';
import {
  FEED,
  indexedPosts,
  SEARCH,
  searchQueue,
  timelines,
  uniqueWord,
  unrelayedEvents,
  type Probes,
} from './probes.ts';

export interface RelayRun {
  toSearchQueue: number[];
  toEveryQueue: number[];
  /** Events with no job in one of their queues: a lost event, the one thing the relay must never do. */
  missingJobs: number;
}

/**
 * Where a search job's time went (relay, queue wait, handler), added to `stages` once the job has finished; returns
 * when it finished, null while it has not.
 */
function addJobStages(
  stages: { relay: number[]; queueWait: number[]; handler: number[] },
  event: RecordedEvent,
  job: JobTimes | undefined,
): number | null {
  if (job?.startedAt === undefined || job.finishedAt === undefined) return null;
  stages.relay.push(job.addedAt - event.occurredAt);
  stages.queueWait.push(job.startedAt - job.addedAt);
  stages.handler.push(job.finishedAt - job.startedAt);
  return job.finishedAt;
}

/** Relay latency: posts one at a time, each event's time from its outbox row to its job in each of its queues. */
export async function measureRelay(stack: Stack, author: Account, probes: Probes): Promise<RelayRun> {
  const { createPost } = await import('@curbside/e2e');
  const postIds: string[] = [];
  for (let i = 0; i < relayEvents; i++) {
    postIds.push(await createPost(stack, author.accessToken, `Relay sample ${i}: ${uniqueWord()}`));
    await sleep(relaySpacingMs);
  }
  const { events, jobs } = await timelines(probes, postIds);
  const run: RelayRun = { toSearchQueue: [], toEveryQueue: [], missingJobs: 0 };
  for (const event of events.values()) {
    const added = [...jobs.values()].map((times) => times.get(event.eventId)?.addedAt);
    if (added.some((at) => at === undefined)) {
      run.missingJobs++;
      continue;
    }
    run.toSearchQueue.push(jobs.get(searchQueueName)!.get(event.eventId)!.addedAt - event.occurredAt);
    run.toEveryQueue.push(Math.max(...(added as number[])) - event.occurredAt);
  }
  return run;
}

export interface Sighting {
  /** From the createPost response to the response of the first poll that saw the post. */
  elapsedMs: number;
  /** The same moment as an epoch time, to set against the event's and job's times. */
  seenAt: number;
  /** How many polls it took, the one that saw it included. */
  polls: number;
}

/** Polls `probe` every `pollIntervalMs` until it sees the post; null when it did not within the timeout. */
async function pollUntilSeen(since: number, probe: () => Promise<boolean>): Promise<Sighting | null> {
  for (let polls = 1; ; polls++) {
    if (await probe()) return { elapsedMs: performance.now() - since, seenAt: Date.now(), polls };
    if (performance.now() - since > visibilityTimeoutMs) return null;
    await sleep(pollIntervalMs);
  }
}

export interface VisibilityRun {
  searchable: number[];
  inFeed: number[];
  /** Posts in the feed at the first read after createPost returned: the feed is computed at read time. */
  inFeedAtFirstRead: number;
  /** Per post: where its time went, from the event to the search that found it. */
  stages: { relay: number[]; queueWait: number[]; handler: number[]; untilSearched: number[]; fromEvent: number[] };
  /** Round trips of the search polls: with `pollIntervalMs`, how late a sighting can be. */
  searchRoundTrips: number[];
  failures: string[];
}

/** Event to searchable, and to the follower's feed: posts one at a time, each polled for until seen. */
export async function measureVisibility(
  stack: Stack,
  author: Account,
  follower: Account,
  probes: Probes,
): Promise<VisibilityRun> {
  const { createPost, graphql } = await import('@curbside/e2e');
  const run: VisibilityRun = {
    searchable: [],
    inFeed: [],
    inFeedAtFirstRead: 0,
    stages: { relay: [], queueWait: [], handler: [], untilSearched: [], fromEvent: [] },
    searchRoundTrips: [],
    failures: [],
  };
  const seenBySearch = new Map<string, number>();
  for (let i = 0; i < visibilityPosts; i++) {
    const word = uniqueWord();
    try {
      const postId = await createPost(stack, author.accessToken, `Fresh from the grill: ${word}`);
      const since = performance.now();
      const searchFinds = async () => {
        const start = performance.now();
        const data = checkedData(
          await graphql<{ search: { edges: { node: { node: { id: string } | null } }[] } }>(stack.gatewayUrl, SEARCH, {
            query: word,
          }),
        );
        run.searchRoundTrips.push(performance.now() - start);
        return data.search.edges.some((edge) => edge.node.node?.id === postId);
      };
      const feedHas = async () =>
        checkedData(
          await graphql<{ feed: { edges: { node: { id: string } }[] } }>(
            stack.gatewayUrl,
            FEED,
            {},
            { token: follower.accessToken },
          ),
        ).feed.edges.some((edge) => edge.node.id === postId);
      const [searched, fed] = await Promise.all([pollUntilSeen(since, searchFinds), pollUntilSeen(since, feedHas)]);
      if (searched) {
        run.searchable.push(searched.elapsedMs);
        seenBySearch.set(postId, searched.seenAt);
      } else
        run.failures.push(`post ${i} (${postId}) not found by searching '${word}' within ${visibilityTimeoutMs} ms`);
      if (fed) {
        run.inFeed.push(fed.elapsedMs);
        if (fed.polls === 1) run.inFeedAtFirstRead++;
      } else run.failures.push(`post ${i} (${postId}) not in the follower's feed within ${visibilityTimeoutMs} ms`);
    } catch (error) {
      run.failures.push(`post ${i}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { events, jobs } = await timelines(probes, [...seenBySearch.keys()]);
  for (const [postId, seenAt] of seenBySearch) {
    const event = events.get(postId)!;
    const finishedAt = addJobStages(run.stages, event, jobs.get(searchQueueName)!.get(event.eventId));
    if (finishedAt === null) continue;
    run.stages.untilSearched.push(seenAt - finishedAt);
    run.stages.fromEvent.push(seenAt - event.occurredAt);
  }
  return run;
}

export interface BurstRun {
  created: number;
  failures: number;
  apiMs: number;
  /** From the first request to the index holding every created post; null when it never did. */
  totalMs: number | null;
  /** At the last API response: posts not indexed yet, of which events still in the outbox, and jobs waiting or running. */
  backlog: { documents: number; unrelayed: number; queued: number };
  /** The workers alone, emptying the backlog once the API is idle; null without a backlog worth timing. */
  drainMs: number | null;
  stages: { relay: number[]; queueWait: number[]; handler: number[] };
}

/** Indexing throughput: `burstPosts` posts at `burstConcurrency` in flight, then until the index holds them all. */
export async function measureBurst(stack: Stack, author: Account, probes: Probes): Promise<BurstRun> {
  const { createPost } = await import('@curbside/e2e');
  const before = await indexedPosts(probes);
  const postIds: string[] = [];
  const start = performance.now();
  const burst = await runConcurrent(burstPosts, burstConcurrency, async (i) => {
    const body = `Burst post ${i}: ${uniqueWord()} ${'grilled corn with lime '.repeat(1 + (i % 4))}`;
    postIds.push(await createPost(stack, author.accessToken, body));
  });
  const apiDone = performance.now();
  reportFailures('burst createPost', burst);
  const [indexed, unrelayed, counts] = await Promise.all([
    indexedPosts(probes),
    unrelayedEvents(probes),
    searchQueue(probes).getJobCounts('wait', 'active', 'prioritized'),
  ]);
  const backlog = {
    documents: postIds.length - (indexed - before),
    unrelayed,
    queued: Object.values(counts).reduce((sum, count) => sum + count, 0),
  };
  let doneAt: number | null = null;
  while (performance.now() - apiDone < burstTimeoutMs) {
    if ((await indexedPosts(probes)) - before >= postIds.length) {
      doneAt = performance.now();
      break;
    }
    await sleep(pollIntervalMs);
  }
  const run: BurstRun = {
    created: postIds.length,
    failures: burst.failures,
    apiMs: apiDone - start,
    totalMs: doneAt === null ? null : doneAt - start,
    backlog,
    drainMs: doneAt !== null && backlog.documents >= leastBacklog ? doneAt - apiDone : null,
    stages: { relay: [], queueWait: [], handler: [] },
  };
  if (doneAt === null) return run;
  const { events, jobs } = await timelines(probes, postIds);
  const searchJobs = jobs.get(searchQueueName)!;
  for (const event of events.values()) {
    addJobStages(run.stages, event, searchJobs.get(event.eventId));
  }
  return run;
}

export interface DrainRun {
  /** Posts whose search jobs waited in the paused queue. */
  queued: number;
  /** The jobs carrying them (the relay puts the events of one relay batch in one job). */
  jobs: number;
  failures: number;
  /** From resuming the queue to the index holding every one of them; null when it never did. */
  drainMs: number | null;
  /** Jobs of the backlog that failed (and were retried). */
  failedJobs: number;
}

/**
 * The workers alone against a backlog: the search queue paused (BullMQ's pause: workers take no job), `drainPosts`
 * posts created and relayed into it, then the queue resumed and timed until the index holds them all. Nothing
 * else runs meanwhile: this is the rate a burst is drained at once it is queued.
 */
export async function measureDrain(stack: Stack, author: Account, probes: Probes): Promise<DrainRun> {
  const { createPost, waitFor } = await import('@curbside/e2e');
  const queue = searchQueue(probes);
  const before = await indexedPosts(probes);
  const failedBefore = await queue.getFailedCount();
  await queue.pause();
  let resumed = false;
  try {
    const created = await runConcurrent(drainPosts, burstConcurrency, async (i) => {
      await createPost(stack, author.accessToken, `Drain post ${i}: ${uniqueWord()} grilled corn with lime`);
    });
    reportFailures('drain createPost', created);
    const queued = drainPosts - created.failures;
    // Every event relayed is in the paused queue (the relay marks a row sent once Redis has its jobs), in jobs of
    // one event or batch jobs of several.
    await waitFor(
      `the ${queued} events relayed into the paused queue`,
      async () => (await unrelayedEvents(probes)) === 0,
      drainTimeoutMs,
    );
    const counts = await queue.getJobCounts('wait', 'prioritized');
    const jobs = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const start = performance.now();
    await queue.resume();
    resumed = true;
    let drainMs: number | null = null;
    while (performance.now() - start < drainTimeoutMs) {
      if ((await indexedPosts(probes)) - before >= queued) {
        drainMs = performance.now() - start;
        break;
      }
      await sleep(pollIntervalMs);
    }
    const failedJobs = (await queue.getFailedCount()) - failedBefore;
    return { queued, jobs, failures: created.failures, drainMs, failedJobs };
  } finally {
    if (!resumed) await queue.resume();
  }
}

/** Posts, searches and a feed read until each path has run once and the index has caught up: JIT, pools, plans. */
export async function warmUp(stack: Stack, author: Account, follower: Account, probes: Probes): Promise<void> {
  const { createPost, graphql, waitFor } = await import('@curbside/e2e');
  for (let i = 0; i < warmUpPosts; i++) {
    const word = uniqueWord();
    await createPost(stack, author.accessToken, `Warm-up ${i}: ${word}`);
    checkedData(await graphql(stack.gatewayUrl, SEARCH, { query: word }));
    checkedData(await graphql(stack.gatewayUrl, FEED, {}, { token: follower.accessToken }));
  }
  await waitFor('the warm-up posts in the index', async () => (await indexedPosts(probes)) >= warmUpPosts);
}
