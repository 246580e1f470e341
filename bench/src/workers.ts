/**
 * `pnpm bench:workers`: how soon a mutation is visible elsewhere, through the outbox, the relay, BullMQ and
 * the workers. Measures, on posts created through the gateway:
 * - relay: one event at a time on an idle stack, from the event's outbox row to its job in each queue it goes
 *   to (target: p95 under 100 ms);
 * - event to searchable: one post at a time, each with a word of its own, searched through the gateway until
 *   found (target: p95 under 1 s); and the same post in a follower's feed;
 * - indexing throughput: a burst of posts, many in flight, until the search index holds them all;
 * - the workers alone: a backlog queued while the search workers are paused, drained once they resume
 *   (target: at least 5,000 documents per second).
 * Event and job times are read back afterwards from the outbox and BullMQ, so reading them adds no load to
 * the moments measured. The stack runs in-process on its own databases, dropped at the end.
 */
import { Queue } from 'bullmq';
import pg from 'pg';
import { bullConnection, bullPrefix, queueOptions } from '@curbside/event-bus';
import { queuesFor } from '@curbside/events';
import { prepareBenchRun } from './common/run.ts';
import { measureBurst, measureDrain, measureRelay, measureVisibility, warmUp } from './workers/measure.ts';
import type { Probes } from './workers/probes.ts';
import { printReport } from './workers/report.ts';

prepareBenchRun();

const { startStack, registerUser, setFollowingUser, waitForFollowCopy, postgresUrl, testDatabasePrefix } =
  await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

async function main(): Promise<void> {
  const stack = await startStack({ countSubgraphRequests: false });
  const eventBus = { connection: bullConnection(stack.redisUrl), prefix: bullPrefix(stack.redisKeyPrefix) };
  const probes: Probes = {
    postDatabase: new pg.Pool({ connectionString: stack.databases.post, max: 2 }),
    searchDatabase: new pg.Pool({ connectionString: stack.databases.search, max: 2 }),
    queues: new Map(queuesFor('post.created').map((name) => [name, new Queue(name, queueOptions(eventBus, name))])),
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
    const drain = await measureDrain(stack, author, probes);

    const failures = printReport(relay, visibility, burst, drain, probes.queues.size);
    failed = failures.length > 0;
  } finally {
    await Promise.all([...probes.queues.values()].map((queue) => queue.close()));
    await Promise.all([probes.postDatabase.end(), probes.searchDatabase.end()]);
    await stack.stop();
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  }
  if (failed) process.exitCode = 1;
}

await main();
