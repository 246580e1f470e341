import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bullConnection,
  eventBatchJobId,
  eventBatchJobName,
  pruneSentOutbox,
  queueOptions,
  startOutboxRelay,
  type OutboxRelay,
} from '@curbside/event-bus';
import { createLogger } from '@curbside/service';
import { databaseUrl, ensureDatabase, openOrm, recordEvent, type Orm } from '@curbside/subgraph-kit';
import { entities, migrations } from '@curbside/vendor-subgraph';
import { postgresUrl, queryRows, redisUrl, testDatabasePrefix, waitFor } from './index.ts';

let orm: Orm;
let url: string;
let relay: OutboxRelay;
let queue: Queue;
const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:relay:bull`;
const connection = bullConnection(redisUrl);

beforeAll(async () => {
  const name = `${testDatabasePrefix()}relay`;
  await ensureDatabase(postgresUrl, name);
  url = databaseUrl(postgresUrl, name);
  orm = await openOrm({ databaseUrl: url, entities, migrations });
  // A 60 s safety sweep: within the test only a NOTIFY from the outbox trigger can wake the relay.
  relay = startOutboxRelay({
    orm,
    connection,
    prefix,
    logger: createLogger('relay-test', 'silent'),
    sweepIntervalMs: 60_000,
    databaseUrl: url,
  });
  queue = new Queue('location.vendor-copy', queueOptions({ connection, prefix }, 'location.vendor-copy'));
});
afterAll(async () => {
  await relay?.stop();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await orm?.close();
});

describe('the outbox relay', () => {
  it('is woken by the commit, queues each event once with its id as job id, and marks them sent', async () => {
    const em = orm.em.fork();
    const vendorIds = Array.from({ length: 5 }, () => randomUUID());
    for (const vendorId of vendorIds) {
      recordEvent(em, 'vendor.opened', { vendorId, ownerId: randomUUID(), openedAt: new Date().toISOString() });
      recordEvent(em, 'user.logged_in', { userId: randomUUID() });
    }
    await em.flush();

    await waitFor(
      'the relay, woken by the outbox notification, to mark every event sent',
      async () =>
        (await queryRows(url, 'select count(*)::int as n from outbox_event where sent_at is null'))[0]!['n'] === 0,
      5_000,
    );
    // Only the events someone consumes are queued: vendor.opened, not user.logged_in.
    const opened = await queryRows(url, "select id from outbox_event where name = 'vendor.opened'");
    expect(await queue.count()).toBe(5);
    for (const { id } of opened) expect((await queue.getJob(id))?.data).toMatchObject({ id, name: 'vendor.opened' });
  });

  it('does not queue an event twice when it is relayed again (a crash between queueing and marking)', async () => {
    await queryRows(url, 'update outbox_event set sent_at = null');
    expect(await relay.relayPending()).toBe(10);
    expect(await queue.count()).toBe(5);
    expect(await relay.relayPending()).toBe(0);
  });

  it("puts a batched queue's events of one relay batch in one job, and each other queue's in a job each", async () => {
    const em = orm.em.fork();
    const postIds = Array.from({ length: 3 }, () => randomUUID());
    for (const postId of postIds)
      recordEvent(em, 'post.created', { postId, authorId: randomUUID(), vendorId: null, mediaIds: [], body: 'Batch' });
    await em.flush();
    const events = await waitFor(
      'the relay to send the three post.created events',
      async () => {
        const rows = await queryRows(
          url,
          "select id from outbox_event where name = 'post.created' and sent_at is not null order by occurred_at, id",
        );
        return rows.length === 3 ? rows.map((row) => String(row['id'])) : null;
      },
      5_000,
    );
    const searchQueue = new Queue('search.index', queueOptions({ connection, prefix }, 'search.index'));
    const notifications = new Queue('user.notifications', queueOptions({ connection, prefix }, 'user.notifications'));
    try {
      const batch = await searchQueue.getJob(eventBatchJobId(events));
      expect(batch?.name).toBe(eventBatchJobName);
      expect((batch?.data as { events: { id: string }[] }).events.map((event) => event.id)).toEqual(events);
      expect(await searchQueue.count()).toBe(1);
      for (const id of events)
        expect((await notifications.getJob(id))?.data).toMatchObject({ id, name: 'post.created' });
    } finally {
      for (const created of [searchQueue, notifications]) {
        await created.obliterate({ force: true }).catch(() => undefined);
        await created.close();
      }
    }
  });

  it('prunes only sent rows past their retention (short for events no queue receives), a batch per statement, never an unsent row', async () => {
    // The relay would claim the unsent rows inserted below: pruning is tested on its own.
    await relay.stop();
    await queryRows(url, 'delete from outbox_event');
    const statements: string[] = [];
    const recordingOrm = await openOrm({
      databaseUrl: url,
      entities,
      migrations,
      onQuery: (sql) => statements.push(sql),
    });
    try {
      const insert = (count: number, name: string, sentAt: string, occurredAt = "now() - interval '3 hours'") =>
        queryRows(
          url,
          `insert into outbox_event (id, name, payload, occurred_at, sent_at)
           select gen_random_uuid(), '${name}', '{}'::jsonb, ${occurredAt}, ${sentAt}
           from generate_series(1, ${count})`,
        );
      await insert(7, 'vendor.opened', "now() - interval '2 hours'"); // sent, past retention: pruned
      await insert(2, 'vendor.opened', "now() - interval '59 minutes'"); // sent, within retention: kept
      await insert(4, 'vendor.opened', 'null', "now() - interval '30 days'"); // unsent, however old: kept
      // An event no queue receives is kept only for its short retention.
      await insert(5, 'user.logged_in', "now() - interval '2 minutes'"); // pruned
      await insert(1, 'user.logged_in', "now() - interval '30 seconds'"); // kept
      await insert(3, 'user.logged_in', 'null', "now() - interval '30 days'"); // unsent: kept

      const prune = () =>
        pruneSentOutbox(recordingOrm, {
          retentionMs: 3_600_000, // 1 hour
          unqueuedRetentionMs: 60_000, // 1 minute
          batchSize: 3,
          pauseMs: 1,
        });
      expect(await prune()).toBe(12);
      const deletes = statements.filter((sql) => /^\s*delete from outbox_event/i.test(sql));
      expect(deletes).toHaveLength(5); // 3 + 3 + 1, then 3 + 2
      expect(
        await queryRows(
          url,
          `select name, (sent_at is null) as unsent, count(*)::int as n from outbox_event
           group by 1, 2 order by 1, 2`,
        ),
      ).toEqual([
        { name: 'user.logged_in', unsent: false, n: 1 },
        { name: 'user.logged_in', unsent: true, n: 3 },
        { name: 'vendor.opened', unsent: false, n: 2 },
        { name: 'vendor.opened', unsent: true, n: 4 },
      ]);
      expect(await prune()).toBe(0);
    } finally {
      await recordingOrm.close();
    }
  });
});
