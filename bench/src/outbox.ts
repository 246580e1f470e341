/**
 * `pnpm bench:outbox`: does the outbox stay bounded when 1,000 vendors move every second? One outbox table (on a
 * database of its own, dropped at the end) takes, in small commits, 50 queued events a second (`vendor.updated`)
 * and, in the first two phases, a position per moving vendor a second (`vendor.location_updated`, which the
 * location subgraph recorded until pruning came: no queue receives it), while the real relay moves it to BullMQ:
 * 1. before: the relay without pruning, positions recorded (the outbox as it was): the table grows with every event;
 * 2. pruning, positions still recorded (as an older subgraph would): bounded by the retention, even at 1,000 a
 *    second;
 * 3. as deployed: pruning, positions not recorded (the location subgraph publishes them live only).
 * Time is compressed (retention 15 s for 7 days, see config.ts). Each phase reports the table's size every second,
 * the bound it must stay under, and each queued event's relay latency from its row.
 */
import { Queue } from 'bullmq';
import { bullConnection, bullPrefix, queueOptions } from '@curbside/event-bus';
import { queuesFor } from '@curbside/events';
import {
  databaseUrl,
  ensureDatabase,
  openOrm,
  outboxNotifySql,
  outboxSentIndexSql,
  outboxTableSql,
  outboxTraceparentSql,
  OutboxEvent,
} from '@curbside/subgraph-kit';
import { makeCleanup, prepareBenchRun } from './common/run.ts';
import { pruneIntervalSeconds, retentionSeconds, unqueuedRetentionSeconds } from './outbox/config.ts';
import { runPhase, type PhaseOptions } from './outbox/measure.ts';
import { printReport, rowBound } from './outbox/report.ts';

prepareBenchRun();

const { postgresUrl, redisUrl, testDatabasePrefix, queryRows } = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

async function main(): Promise<void> {
  const cleanup = makeCleanup();
  let failed = false;
  try {
    const database = `${testDatabasePrefix()}outbox_bench`;
    await ensureDatabase(postgresUrl, database);
    cleanup.add(() => dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix()));
    const url = databaseUrl(postgresUrl, database);
    // The outbox of every subgraph database, and nothing else.
    for (const sql of [...outboxTableSql, ...outboxNotifySql, ...outboxSentIndexSql, ...outboxTraceparentSql])
      await queryRows(url, sql);
    const orm = await openOrm({ databaseUrl: url, entities: [OutboxEvent], migrations: [], poolSize: 4 });
    cleanup.add(() => orm.close());
    const eventBus = {
      connection: bullConnection(redisUrl),
      prefix: bullPrefix(`curbside:t:${process.env['CURBSIDE_TEST_RUN']}:`),
    };
    cleanup.add(async () => {
      for (const name of queuesFor('vendor.updated')) {
        const queue = new Queue(name, queueOptions(eventBus, name));
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
    });
    const pruning = {
      retentionMs: retentionSeconds * 1000,
      unqueuedRetentionMs: unqueuedRetentionSeconds * 1000,
      intervalMs: pruneIntervalSeconds * 1000,
    };
    const phase = (options: Pick<PhaseOptions, 'pruning' | 'recordPositions'>) =>
      runPhase({ orm, databaseUrl: url, eventBus, ...options });
    const before = await phase({ pruning: { intervalMs: 0 }, recordPositions: true });
    const prunedPositions = await phase({ pruning, recordPositions: true });
    const deployed = await phase({ pruning, recordPositions: false });
    const failures = printReport([
      { label: '1. before: no pruning, positions recorded', run: before, bound: null },
      { label: '2. pruning, positions still recorded', run: prunedPositions, bound: rowBound(true) },
      { label: '3. as deployed: pruning, positions not recorded', run: deployed, bound: rowBound(false) },
    ]);
    failed = failures.length > 0;
  } finally {
    await cleanup.run();
  }
  if (failed) process.exitCode = 1;
}

await main();
