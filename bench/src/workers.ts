/**
 * `pnpm bench:workers`: how soon a mutation is visible elsewhere, through the outbox, the relay, BullMQ and
 * the workers. Measures, on posts created through the gateway:
 * - relay: one event at a time on an idle stack, from the event's outbox row to its job in each queue it goes
 *   to (target: p95 under 100 ms);
 * - event to searchable: one post at a time, each with a word of its own, searched through the gateway until
 *   found (target: p95 under 1 s); and the same post in a follower's feed;
 * - indexing throughput: a burst of posts, many in flight, until the search index holds them all.
 * Event and job times are read back afterwards from the outbox and BullMQ, so reading them adds no load to
 * the moments measured. The stack runs in-process on its own databases, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import pg from 'pg';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { queuesFor, type EventQueueName } from '@curbside/events';
import { jobTimes, postCreatedEvents, type JobTimes } from './workers/event-timings.ts';
import {
  checkedData,
  intFromEnv,
  latencyResult,
  printFacts,
  printLatencyTable,
  reportFailures,
  type LatencyResult,
} from './common/report.ts';
import { prepareBenchRun } from './common/run.ts';
import { runConcurrent } from './common/stats.ts';

prepareBenchRun();

const {
  startStack,
  graphql,
  registerUser,
  createPost,
  setFollowingUser,
  waitForFollowCopy,
  waitFor,
  postgresUrl,
  testDatabasePrefix,
} = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

const relayEvents = intFromEnv('BENCH_RELAY_EVENTS', 200);
const visibilityPosts = intFromEnv('BENCH_SEARCHABLE_POSTS', 100);
const burstPosts = intFromEnv('BENCH_INDEX_BURST', 2_000);
const burstConcurrency = intFromEnv('BENCH_INDEX_CONCURRENCY', 16);
/** Pause after each relay sample's mutation: 20 ms, so that every event meets an idle relay and idle workers. */
const relaySpacingMs = 20;
/** Pause between two polls of search or feed: 10 ms. A poll's answer is late by up to this plus one request. */
const pollIntervalMs = 10;
/** How long a post may take to be searchable (or in the feed) before it counts as a failure: 10 s. */
const visibilityTimeoutMs = 10_000;
/** How long the index may take to hold a whole burst before the run fails: 120 s. */
const burstTimeoutMs = 120_000;
/** Below this many documents left at the last API response, there is no backlog to time the workers alone on. */
const leastBacklog = 50;
const relayTargetP95Ms = 100;
const searchableTargetP95Ms = 1_000;
const warmUpPosts = 10;
const searchQueueName = 'search.index' satisfies EventQueueName;

const SEARCH = `query ($query: String!) {
  search(query: $query, types: [POST], first: 5) { edges { node { node { ... on Post { id } } } } }
}`;
const FEED = 'query { feed(first: 5) { edges { node { id } } } }';

type Stack = Awaited<ReturnType<typeof startStack>>;
type Account = Awaited<ReturnType<typeof registerUser>>;

/** Where the benchmark reads what the stack did: the post outbox, the search index and the queues of `post.created`. */
interface Probes {
  postDatabase: pg.Pool;
  searchDatabase: pg.Pool;
  queues: Map<EventQueueName, Queue>;
}

/** A word no other post has (12 random letters, far from each other by trigrams too), so a search for it finds one post. */
function uniqueWord(): string {
  return Array.from(randomBytes(12), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
}

async function indexedPosts(probes: Probes): Promise<number> {
  const { rows } = await probes.searchDatabase.query<{ count: string }>(
    "select count(*) from search_document where type = 'POST'",
  );
  return Number(rows[0]?.count ?? 0);
}

async function unrelayedEvents(probes: Probes): Promise<number> {
  const { rows } = await probes.postDatabase.query<{ count: string }>(
    'select count(*) from outbox_event where sent_at is null',
  );
  return Number(rows[0]?.count ?? 0);
}

const searchQueue = (probes: Probes): Queue => probes.queues.get(searchQueueName)!;

/** The events of `postIds` once the relay has moved them all, and their jobs' times in each of their queues. */
async function timelines(probes: Probes, postIds: readonly string[]) {
  const events = await waitFor(
    `the relay of ${postIds.length} post.created events`,
    async () => {
      const found = await postCreatedEvents(probes.postDatabase, postIds);
      return found.size === postIds.length && [...found.values()].every((event) => event.relayed) ? found : null;
    },
    30_000,
  );
  const eventIds = [...events.values()].map((event) => event.eventId);
  const jobs = new Map<EventQueueName, Map<string, JobTimes>>();
  for (const [name, queue] of probes.queues) jobs.set(name, await jobTimes(queue, eventIds));
  return { events, jobs };
}

interface RelayRun {
  toSearchQueue: number[];
  toEveryQueue: number[];
  /** Events with no job in one of their queues: a lost event, the one thing the relay must never do. */
  missingJobs: number;
}

/** Relay latency: posts one at a time, each event's time from its outbox row to its job in each of its queues. */
async function measureRelay(stack: Stack, author: Account, probes: Probes): Promise<RelayRun> {
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

interface Sighting {
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

interface VisibilityRun {
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
async function measureVisibility(
  stack: Stack,
  author: Account,
  follower: Account,
  probes: Probes,
): Promise<VisibilityRun> {
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
    const job = jobs.get(searchQueueName)!.get(event.eventId);
    if (job?.startedAt === undefined || job.finishedAt === undefined) continue;
    run.stages.relay.push(job.addedAt - event.occurredAt);
    run.stages.queueWait.push(job.startedAt - job.addedAt);
    run.stages.handler.push(job.finishedAt - job.startedAt);
    run.stages.untilSearched.push(seenAt - job.finishedAt);
    run.stages.fromEvent.push(seenAt - event.occurredAt);
  }
  return run;
}

interface BurstRun {
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
async function measureBurst(stack: Stack, author: Account, probes: Probes): Promise<BurstRun> {
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
    const job = searchJobs.get(event.eventId);
    if (job?.startedAt === undefined || job.finishedAt === undefined) continue;
    run.stages.relay.push(job.addedAt - event.occurredAt);
    run.stages.queueWait.push(job.startedAt - job.addedAt);
    run.stages.handler.push(job.finishedAt - job.startedAt);
  }
  return run;
}

/** Posts, searches and a feed read until each path has run once and the index has caught up: JIT, pools, plans. */
async function warmUp(stack: Stack, author: Account, follower: Account, probes: Probes): Promise<void> {
  for (let i = 0; i < warmUpPosts; i++) {
    const word = uniqueWord();
    await createPost(stack, author.accessToken, `Warm-up ${i}: ${word}`);
    checkedData(await graphql(stack.gatewayUrl, SEARCH, { query: word }));
    checkedData(await graphql(stack.gatewayUrl, FEED, {}, { token: follower.accessToken }));
  }
  await waitFor('the warm-up posts in the index', async () => (await indexedPosts(probes)) >= warmUpPosts);
}

const perSecond = (count: number, ms: number, unit: string): string => `${((count / ms) * 1000).toFixed(0)} ${unit}/s`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const stack = await startStack({ countSubgraphRequests: false });
  const eventBus = { connection: bullConnection(stack.redisUrl), prefix: bullPrefix(stack.redisKeyPrefix) };
  const probes: Probes = {
    postDatabase: new pg.Pool({ connectionString: stack.databases.post, max: 2 }),
    searchDatabase: new pg.Pool({ connectionString: stack.databases.search, max: 2 }),
    queues: new Map(queuesFor('post.created').map((name) => [name, new Queue(name, eventBus)])),
  };
  let failed = false;
  try {
    const author = await registerUser(stack.gatewayUrl, 'bench_workers_author');
    const follower = await registerUser(stack.gatewayUrl, 'bench_workers_follower');
    await setFollowingUser(stack, follower.accessToken, author.id);
    await waitForFollowCopy(stack, follower.id, { userId: author.id });
    await warmUp(stack, author, follower, probes);

    const relay = await measureRelay(stack, author, probes);
    const visibility = await measureVisibility(stack, author, follower, probes);
    const burst = await measureBurst(stack, author, probes);

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
      relayRows.push(
        latencyResult(`event → job in all ${probes.queues.size} queues of post.created`, relay.toEveryQueue),
      );
      printLatencyTable(relayRows);
    }
    if (relay.missingJobs > 0)
      console.error(`${relay.missingJobs} relayed event(s) have no job in one of their queues`);

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

    const failures = [
      relay.missingJobs > 0 ? `${relay.missingJobs} event(s) missing a job` : '',
      visibility.failures.length > 0 ? `${visibility.failures.length} post(s) not seen in time` : '',
      burst.failures > 0 ? `${burst.failures} burst createPost request(s) failed` : '',
      burst.totalMs === null ? 'the index never held the whole burst' : '',
    ].filter(Boolean);
    if (failures.length > 0) {
      console.error(`\nFAILED: ${failures.join('; ')}`);
      failed = true;
    }
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
        failures,
      })}`,
    );
  } finally {
    await Promise.all([...probes.queues.values()].map((queue) => queue.close()));
    await Promise.all([probes.postDatabase.end(), probes.searchDatabase.end()]);
    await stack.stop();
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  }
  if (failed) process.exitCode = 1;
}

await main();
