/**
 * Migrations as a deployment runs them: replicas starting together against an empty database migrate it once,
 * under the migration lock, the others waiting; in production a subgraph neither creates its database nor
 * migrates it, but waits, unready with the reason, until `pnpm migrate` (the migration job) has.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger } from '@curbside/service';
import {
  databaseUrl,
  ensureDatabase,
  makeLivePubSub,
  migrateDatabase,
  migrationLockKey,
  type SubgraphServer,
} from '@curbside/subgraph-kit';
import { createVendorSubgraph, entities, migrations } from '@curbside/vendor-subgraph';
import { reservePort } from './ports.ts';
import { entryArguments } from './processes.ts';
import { queryRows } from './database.ts';
import { postgresUrl, redisUrl, testDatabasePrefix } from './stack.ts';
import { SqlRecorder } from './sql-recorder.ts';
import { waitFor } from './wait.ts';

const id = randomBytes(3).toString('hex');
const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:`;
const logger = createLogger('migrations-test', 'silent');
const redis = createRedis({ url: redisUrl, keyPrefix, connectionName: `migrations-test-${id}` });
const pubsub = makeLivePubSub({ url: redisUrl, keyPrefix, connectionName: `migrations-test-${id}:live`, logger });

afterAll(async () => {
  await pubsub.close();
  await closeRedis(redis);
});

const serverDatabaseUrl = databaseUrl(postgresUrl, 'postgres');

async function databaseExists(name: string): Promise<boolean> {
  return (await queryRows(serverDatabaseUrl, 'select 1 from pg_database where datname = $1', [name])).length > 0;
}

/** Sessions of `database` waiting for an advisory lock (the migration lock: the only one taken at start). */
async function waitingForLock(database: string): Promise<number> {
  const rows = await queryRows(
    serverDatabaseUrl,
    `select count(*)::int as waiting from pg_locks l join pg_database d on d.oid = l.database
     where l.locktype = 'advisory' and not l.granted and d.datname = $1`,
    [database],
  );
  return rows[0]!['waiting'] as number;
}

/** Each migration applied, with how many times it was recorded. */
async function appliedMigrations(url: string): Promise<Record<string, number>> {
  const rows = await queryRows(url, 'select name, count(*)::int as runs from mikro_orm_migrations group by name');
  return Object.fromEntries(rows.map((row) => [row['name'] as string, row['runs'] as number]));
}

const everyMigrationOnce = Object.fromEntries(migrations.map((migration) => [migration.name, 1]));

/**
 * The vendor subgraph's entry file as a production process on `port` (its own spawn rather than startProcess,
 * whose 30 s start budget a replica waiting for migrations on a busy machine could exhaust).
 */
function startProductionVendor(port: number, database: string) {
  const child = spawn(process.execPath, entryArguments('subgraphs/vendor/src/main.ts'), {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      APOLLO_TELEMETRY_DISABLED: '1',
      GATEWAY_SECRET: randomBytes(24).toString('hex'),
      PORT: String(port),
      VENDOR_DATABASE_URL: databaseUrl(postgresUrl, database),
      REDIS_KEY_PREFIX: keyPrefix,
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/** The /ready answer on `port`, or null while nothing listens there. */
const readiness = (port: number) =>
  fetch(`http://127.0.0.1:${port}/ready`).then(
    async (response) => ({
      status: response.status,
      body: (await response.json()) as { ready: boolean; reason?: string },
    }),
    () => null,
  );

describe('two replicas of a subgraph started at once against an empty database', () => {
  it('in development: exactly one migrates, the other waits for the migration lock and then finds nothing to do', async () => {
    const database = `${testDatabasePrefix()}mig_${id}`;
    await ensureDatabase(postgresUrl, database); // empty: no template
    const url = databaseUrl(postgresUrl, database);
    // The test holds the migration lock first, so both replicas are seen waiting before either can migrate.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('begin');
    await holder.query(`select pg_advisory_xact_lock(${migrationLockKey})`);

    const replicas = [0, 1].map(() => ({ sql: new SqlRecorder(), waits: [] as string[] }));
    const starting = replicas.map((replica) =>
      createVendorSubgraph({
        databaseUrl: url,
        directDatabaseUrl: url,
        migrations: 'apply',
        onStartupWait: (reason) => replica.waits.push(reason),
        onQuery: (sql) => replica.sql.record(sql),
        logger,
        redis,
        accountBlocklist: redisAccountBlocklist(redis),
        verifyAccessToken: () => Promise.reject(new Error('no tokens in this test')),
        eventBus: { connection: bullConnection(redisUrl), prefix: bullPrefix(keyPrefix) },
        pubsub,
        options: {},
      }),
    );
    const started: SubgraphServer[] = [];
    try {
      await waitFor('both replicas to wait for the migration lock', async () => (await waitingForLock(database)) === 2);
      for (const replica of replicas) {
        expect(replica.waits).toEqual(['waiting for migrations: another process is applying them']);
      }
      await holder.query('commit');
      started.push(...(await Promise.all(starting)));

      // One run of each migration, by one replica: only its SQL holds the migrations' DDL.
      expect(await appliedMigrations(url)).toEqual(everyMigrationOnce);
      const ranDdl = replicas.map((replica) =>
        replica.sql.statements.some((sql) => /^create table "vendor"/i.test(sql)),
      );
      expect(ranDdl.filter(Boolean)).toHaveLength(1);
    } finally {
      await holder.end();
      const settled = await Promise.allSettled(starting);
      for (const result of settled) if (result.status === 'fulfilled') await result.value.close();
    }
  });

  it('in production: neither creates the database nor migrates; both wait, unready with the reason, until the migration job has run once', async () => {
    const database = `${testDatabasePrefix()}prod_${id}`;
    const url = databaseUrl(postgresUrl, database);
    const ports: number[] = [];
    for (const reserved of [await reservePort(), await reservePort()]) {
      await reserved.release();
      ports.push(reserved.port);
    }
    const replicas = ports.map((port) => startProductionVendor(port, database));
    try {
      // The database does not exist: nothing creates it, and both say so on /ready while /health answers.
      for (const port of ports) {
        const answer = await waitFor(
          'the missing database as the reason',
          async () => {
            const ready = await readiness(port);
            return ready?.body.reason?.includes('does not exist') ? ready : null;
          },
          30_000,
        );
        expect(answer.status).toBe(503);
        expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      }
      expect(await databaseExists(database)).toBe(false);

      // The operator creates it (as its owner would); the replicas now wait for migrations, still unready.
      await ensureDatabase(postgresUrl, database);
      for (const port of ports) {
        const answer = await waitFor('pending migrations as the reason', async () => {
          const ready = await readiness(port);
          return ready?.body.reason?.includes('pnpm migrate') ? ready : null;
        });
        expect(answer.status).toBe(503);
      }

      // The migration job (what `pnpm migrate` runs for each subgraph) applies every migration, once.
      const applied = await migrateDatabase({ databaseUrl: url, entities, migrations });
      expect(applied).toEqual(migrations.map((migration) => migration.name));
      for (const port of ports) {
        await waitFor('the replica to serve', async () => (await readiness(port))?.body.ready === true, 30_000);
      }
      expect(await appliedMigrations(url)).toEqual(everyMigrationOnce);
    } finally {
      for (const replica of replicas) replica.child.kill('SIGTERM');
      await Promise.all(replicas.map((replica) => replica.exited));
    }
  }, 120_000);

  it('in production: a replica waiting for its migrations stops at SIGTERM, exiting 0', async () => {
    const reserved = await reservePort();
    await reserved.release();
    const replica = startProductionVendor(reserved.port, `${testDatabasePrefix()}gone_${id}`);
    try {
      await waitFor(
        'the replica to wait, unready',
        async () => (await readiness(reserved.port))?.status === 503,
        30_000,
      );
      replica.child.kill('SIGTERM');
      expect(await replica.exited).toBe(0);
    } finally {
      replica.child.kill('SIGKILL');
    }
  }, 60_000);
});
