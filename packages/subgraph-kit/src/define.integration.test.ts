import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis, defaultRedisUrl } from '@curbside/redis';
import { createLogger } from '@curbside/service';
import { databaseUrl, defaultPostgresUrl, ensureDatabase } from './database.ts';
import { defineSubgraph, type SubgraphDeps } from './define.ts';
import { makeLivePubSub } from './live.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261211000000_outbox_traceparent,
  OutboxEvent,
  outboxTableSql,
} from './outbox.ts';

const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
const redisUrl = process.env['REDIS_URL'] ?? defaultRedisUrl;
const id = randomBytes(3).toString('hex');
const database = `curbside_t_${process.env['CURBSIDE_TEST_RUN']}_define_${id}`;
const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:`;

class CreateOutbox extends Migration {
  override up(): void {
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}

/** Shaped as codegen writes resolver maps: a type alias. */
type Resolvers = { Query?: { ping?: () => string } };

const typeDefs = parse('type Query { ping: String }');
const logger = createLogger('define-test', 'silent');
const redis = createRedis({ url: redisUrl, keyPrefix, connectionName: `define-test-${id}` });
const pubsub = makeLivePubSub({ url: redisUrl, keyPrefix, connectionName: `define-test-${id}:live`, logger });

const deps: SubgraphDeps = {
  databaseUrl: databaseUrl(postgresUrl, database),
  directDatabaseUrl: databaseUrl(postgresUrl, database),
  logger,
  redis,
  accountBlocklist: redisAccountBlocklist(redis),
  verifyAccessToken: () => Promise.reject(new Error('no tokens in this test')),
  eventBus: { connection: bullConnection(redisUrl), prefix: bullPrefix(keyPrefix) },
  pubsub,
  options: {},
};

/** A subgraph with the outbox relay and the given build, on this file's database. */
const testSubgraph = (build: Parameters<typeof defineSubgraph<Record<never, never>, Resolvers>>[0]['build']) =>
  defineSubgraph<Record<never, never>, Resolvers>({
    name: 'define-test',
    typeDefs,
    entities: [OutboxEvent],
    migrations: [
      { name: 'CreateOutbox', class: CreateOutbox },
      { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
      { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
    ],
    createContext: (base) => base,
    build,
  });

/** Sessions open on the database, by what they last ran: the ORM's pool and the relay's LISTEN connection. */
async function sessions(): Promise<{ total: number; listening: number }> {
  const client = new pg.Client({ connectionString: databaseUrl(postgresUrl, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ total: string; listening: string }>(
      `select count(*) as total, count(*) filter (where query ilike 'listen %') as listening
       from pg_stat_activity where datname = $1`,
      [database],
    );
    return { total: Number(rows[0]!.total), listening: Number(rows[0]!.listening) };
  } finally {
    await client.end();
  }
}

/** Waits until the relay's LISTEN connection is open (it connects in the background), up to 10 seconds. */
async function relayListening(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await sessions()).listening === 0) {
    if (Date.now() > deadline) throw new Error('the outbox relay never listened');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  await ensureDatabase(postgresUrl, database);
});

afterAll(async () => {
  await pubsub.close();
  await closeRedis(redis);
});

describe('defineSubgraph', () => {
  it('stops every part already started, newest first, when a later start step fails', async () => {
    const stopped: string[] = [];
    const part = (name: string) => ({ close: async () => void stopped.push(name) });
    const create = testSubgraph(() => ({
      resolvers: { Query: { ping: () => 'pong' } },
      background: [
        () => part('first consumer'),
        () => part('second consumer'),
        async () => {
          // The ORM's pool and the relay are running now, as in production when a step after them fails.
          await relayListening();
          expect((await sessions()).total).toBeGreaterThan(1);
          throw new Error('third part cannot start');
        },
      ],
    }));

    await expect(create(deps)).rejects.toThrow('third part cannot start');

    expect(stopped).toEqual(['second consumer', 'first consumer']);
    // The relay's LISTEN connection and the ORM's pool are closed: nothing is left on the database.
    expect(await sessions()).toEqual({ total: 0, listening: 0 });
  });

  it('leaves nothing behind when a step fails while the relay is still connecting', async () => {
    const create = testSubgraph(() => ({
      resolvers: {},
      background: [
        () => {
          throw new Error('cannot start');
        },
      ],
    }));

    await expect(create(deps)).rejects.toThrow('cannot start');
    // A relay stopped mid-connect used to finish connecting afterwards and LISTEN forever: look a while later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await sessions()).toEqual({ total: 0, listening: 0 });
  });

  it('closes the ORM when build fails', async () => {
    const create = testSubgraph(async ({ orm }) => {
      await orm.em.fork().execute('select 1'); // the ORM is open and migrated when build runs
      expect((await sessions()).total).toBeGreaterThan(0);
      throw new Error('the index cannot be rebuilt');
    });

    await expect(create(deps)).rejects.toThrow('the index cannot be rebuilt');
    expect(await sessions()).toEqual({ total: 0, listening: 0 });
  });

  it('serves, then on close stops the server before the background parts, and the ORM last', async () => {
    let serverWhenBackgroundStopped: string | undefined;
    let url = '';
    const health = () =>
      fetch(new URL('/health', url)).then(
        (response) => `answered ${response.status}`,
        () => 'refused',
      );
    const subgraph = await testSubgraph(() => ({
      resolvers: { Query: { ping: () => 'pong' } },
      background: [
        () => ({
          close: async () => {
            serverWhenBackgroundStopped = await health();
          },
        }),
      ],
    }))(deps);
    url = await subgraph.listen(0);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ping }' }),
    });
    expect(await response.json()).toEqual({ data: { ping: 'pong' } });
    await relayListening();

    await subgraph.close();

    expect(serverWhenBackgroundStopped).toBe('refused');
    expect(await sessions()).toEqual({ total: 0, listening: 0 });
    await subgraph.close(); // idempotent
  });
});
