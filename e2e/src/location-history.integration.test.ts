import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entities, migrations, pruneLocationHistory, startHistoryPruning } from '@curbside/location-subgraph';
import { createLogger } from '@curbside/service';
import { databaseUrl, ensureDatabase, openOrm, type Orm } from '@curbside/subgraph-kit';
import { postgresUrl, queryRows, startStack, testDatabasePrefix, waitFor } from './index.ts';

let orm: Orm;
let url: string;
const statements: string[] = [];

beforeAll(async () => {
  const name = `${testDatabasePrefix()}location_history`;
  await ensureDatabase(postgresUrl, name);
  url = databaseUrl(postgresUrl, name);
  orm = await openOrm({ databaseUrl: url, entities, migrations, onQuery: (sql) => statements.push(sql) });
});
afterAll(async () => {
  await orm?.close();
});

/** Records `count` past positions of `vendorId`, `age` ago (an SQL interval). */
const record = (vendorId: string, count: number, age: string, database = url) =>
  queryRows(
    database,
    `insert into vendor_location_history (id, vendor_id, lat, lng, created_at)
     select gen_random_uuid(), $1, 38.7, -9.1, now() - $2::interval from generate_series(1, ${count})`,
    [vendorId, age],
  );

const historyOf = async (vendorId: string, database = url) =>
  Number(
    (
      await queryRows(database, 'select count(*) as n from vendor_location_history where vendor_id = $1', [vendorId])
    )[0]!['n'],
  );

describe('the position history', () => {
  it('is pruned past its retention, a batch per statement, and the current position is kept', async () => {
    const moving = randomUUID();
    const parked = randomUUID();
    await record(moving, 7, '2 hours'); // past retention: pruned
    await record(moving, 2, '59 minutes'); // within: kept
    await record(parked, 3, '30 days'); // pruned, however few
    await queryRows(
      url,
      `insert into vendor_location (vendor_id, lat, lng, updated_at) values ($1, 1, 2, now() - interval '30 days')`,
      [parked],
    );
    statements.length = 0;

    const prune = () => pruneLocationHistory(orm, { retentionMs: 3_600_000, batchSize: 3, pauseMs: 1 }); // 1 hour
    expect(await prune()).toBe(10);
    // 3 + 3 + 3 + 1: no statement deletes more than its batch.
    expect(statements.filter((sql) => /^\s*delete from vendor_location_history/i.test(sql))).toHaveLength(4);
    expect({ moving: await historyOf(moving), parked: await historyOf(parked) }).toEqual({ moving: 2, parked: 0 });
    expect(await queryRows(url, 'select vendor_id from vendor_location where vendor_id = $1', [parked])).toHaveLength(
      1,
    );
    expect(await prune()).toBe(0);
  });

  it('is pruned on its interval by the running pruning, until it is stopped', async () => {
    const vendorId = randomUUID();
    const pruning = startHistoryPruning(orm, {
      retentionMs: 3_600_000, // 1 hour
      intervalMs: 50, // 50 milliseconds
      logger: createLogger('history-pruning-test', 'silent'),
    });
    try {
      await record(vendorId, 5, '3 hours');
      await record(vendorId, 1, '1 minute');
      await waitFor('the old positions pruned', async () => (await historyOf(vendorId)) === 1);
    } finally {
      await pruning.stop();
    }
    await record(vendorId, 2, '3 hours');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await historyOf(vendorId)).toBe(3);
  });

  it('is pruned by the running location subgraph', async () => {
    const stack = await startStack({
      workers: false,
      locationHistoryPruning: { retentionMs: 3_600_000, intervalMs: 100 }, // 1 hour; 100 milliseconds
    });
    try {
      const vendorId = randomUUID();
      await record(vendorId, 4, '2 hours', stack.databases.location);
      await record(vendorId, 1, '5 minutes', stack.databases.location);
      await waitFor(
        'the location subgraph to prune the old positions',
        async () => (await historyOf(vendorId, stack.databases.location)) === 1,
      );
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
