/**
 * PostgreSQL behind PgBouncer in transaction pooling (the `pgbouncer` project runs the accounts and posts
 * journeys so too): clients share a few server connections, migrations run through it, and the outbox relay
 * LISTENs only on a direct URL, sweeping without one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bullConnection, queueOptions, startOutboxRelay } from '@curbside/event-bus';
import { createLogger } from '@curbside/service';
import { databaseUrl, ensureDatabase, openOrm, recordEvent, type Orm } from '@curbside/subgraph-kit';
import { entities, migrations } from '@curbside/vendor-subgraph';
import { dataOf, graphql, registerUser } from './client.ts';
import { queryRows } from './database.ts';
import { startPgBouncer, type PgBouncer } from './pgbouncer.ts';
import { postgresUrl, redisUrl, startStack, testDatabasePrefix, type TestStack } from './stack.ts';
import { waitFor } from './wait.ts';

const serverDatabaseUrl = databaseUrl(postgresUrl, 'postgres');

/** Sessions on `database` at the server, and how many of them are LISTENing. */
async function sessions(database: string): Promise<{ total: number; listening: number }> {
  const [row] = await queryRows(
    serverDatabaseUrl,
    `select count(*)::int as total, count(*) filter (where query ilike 'listen %')::int as listening
     from pg_stat_activity where datname = $1`,
    [database],
  );
  return { total: row!['total'] as number, listening: row!['listening'] as number };
}

describe('a stack behind PgBouncer in transaction pooling', () => {
  let stack: TestStack;
  let pooler: PgBouncer;
  beforeAll(async () => {
    stack = await startStack({ databasePooler: 'pgbouncer' });
    pooler = stack.pooler!;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves many concurrent clients of one database on at most 3 server connections, none of them LISTENing', async () => {
    const owner = await registerUser(stack.gatewayUrl);
    for (let index = 0; index < 3; index += 1) {
      dataOf(
        await graphql(
          stack.gatewayUrl,
          'mutation ($name: String!) { createVendor(input: { name: $name, category: FOOD_TRUCK }) { id } }',
          { name: `Pooled ${index}` },
          { token: owner.accessToken },
        ),
      );
    }
    // Twenty pages at once: the vendor subgraph's pool opens its five connections, the workers theirs.
    const pages = await Promise.all(
      Array.from({ length: 20 }, () =>
        graphql(stack.gatewayUrl, '{ vendors(first: 10) { edges { node { id name owner { username } } } } }'),
      ),
    );
    for (const page of pages) expect(dataOf(page).vendors.edges.length).toBeGreaterThanOrEqual(3);

    const vendorDatabase = new URL(stack.databases.vendor).pathname.slice(1);
    const pools = await pooler.admin<{ database: string; pool_mode: string }>('show pools');
    expect(pools.find((pool) => pool.database === vendorDatabase)).toMatchObject({ pool_mode: 'transaction' });
    // Six clients of our own beside the subgraph's, each with a query in flight at once: the subgraph's pool opens
    // its connections as the moment needs them, so on a busy machine it may hold as few as the server allows.
    const ownClients = Array.from({ length: 6 }, () => new pg.Client({ connectionString: pooler.url(vendorDatabase) }));
    try {
      await Promise.all(ownClients.map((client) => client.connect()));
      await Promise.all(ownClients.map((client) => client.query('select pg_sleep(0.05)')));
      const clients = (await pooler.admin<{ database: string }>('show clients')).filter(
        (client) => client.database === vendorDatabase,
      );
      const servers = (await pooler.admin<{ database: string }>('show servers')).filter(
        (server) => server.database === vendorDatabase,
      );
      // More clients than server connections: transactions of different clients really share them.
      expect(clients.length).toBeGreaterThanOrEqual(6);
      expect(servers.length).toBeLessThanOrEqual(3);
      expect((await sessions(vendorDatabase)).total).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all(ownClients.map((client) => client.end()));
    }
    // No direct URL: the relays sweep rather than LISTEN through the pooler.
    for (const url of Object.values(stack.databases)) {
      expect((await sessions(new URL(url).pathname.slice(1))).listening).toBe(0);
    }
  });
});

describe('the outbox relay behind PgBouncer', () => {
  const id = randomBytes(3).toString('hex');
  const database = `${testDatabasePrefix()}pgb_relay_${id}`;
  const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:bull`;
  const connection = bullConnection(redisUrl);
  const directUrl = databaseUrl(postgresUrl, database);
  let pooler: PgBouncer;
  let orm: Orm;
  let queue: Queue;

  beforeAll(async () => {
    pooler = await startPgBouncer({ serverUrl: postgresUrl });
    await ensureDatabase(postgresUrl, database);
    // Migrated through the pooler too: the migration lock is a transaction's, which a pooler carries.
    orm = await openOrm({ databaseUrl: pooler.url(database), entities, migrations });
    queue = new Queue('location.vendor-copy', queueOptions({ connection, prefix }, 'location.vendor-copy'));
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await orm?.close();
    await pooler?.stop();
  });

  async function recordOpened(): Promise<void> {
    const em = orm.em.fork();
    recordEvent(em, 'vendor.opened', {
      vendorId: randomUUID(),
      ownerId: randomUUID(),
      openedAt: new Date().toISOString(),
    });
    await em.flush();
  }
  const unsent = async () =>
    (await queryRows(directUrl, 'select count(*)::int as n from outbox_event where sent_at is null'))[0]![
      'n'
    ] as number;

  it('LISTENs on the direct URL when one is given: a commit through the pooler wakes it', async () => {
    // A 60 s sweep: within the test only the notification can wake the relay.
    const relay = startOutboxRelay({
      orm,
      connection,
      prefix,
      logger: createLogger('pgbouncer-relay-test', 'silent'),
      sweepIntervalMs: 60_000,
      databaseUrl: directUrl,
    });
    try {
      await waitFor(
        'the relay to LISTEN on the direct connection',
        async () => (await sessions(database)).listening === 1,
      );
      await recordOpened();
      await waitFor('the notified relay to send the event', async () => (await unsent()) === 0, 5_000);
    } finally {
      await relay.stop();
    }
  });

  it('without a direct URL, sweeps instead of listening, and says so', async () => {
    const logger = createLogger('pgbouncer-relay-test', 'silent');
    const info = vi.spyOn(logger, 'info');
    const relay = startOutboxRelay({ orm, connection, prefix, logger, sweepIntervalMs: 200, databaseUrl: undefined });
    try {
      await recordOpened();
      await waitFor('the sweeping relay to send the event', async () => (await unsent()) === 0, 5_000);
      expect((await sessions(database)).listening).toBe(0);
      expect(info).toHaveBeenCalledWith(
        { sweepIntervalMs: 200 },
        'outbox relay: no direct database URL to LISTEN on; sweeping the outbox every interval instead',
      );
    } finally {
      await relay.stop();
    }
  });
});
