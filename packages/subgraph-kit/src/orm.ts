import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import pg from 'pg';

export type { EntityManager };
export type Orm = MikroORM;

/** Default largest number of pooled connections of one ORM (see the README's connection budget). */
export const defaultPoolSize = 5;

/**
 * The key (an SQL expression) of the advisory lock every migration of a database runs under; advisory locks are
 * per database, so subgraphs never wait for each other. Replicas that start together, or a migration job beside
 * them, migrate one at a time, and the later ones find nothing left to do.
 */
export const migrationLockKey = "hashtextextended('curbside:migrations', 0)";

export interface OpenOrmOptions {
  /** `postgres://` URL of this subgraph's own database (directly or through a transaction pooler). */
  databaseUrl: string;
  entities: NonNullable<Options['entities']>;
  /** Committed migrations, oldest first. */
  migrations: { name: string; class: Constructor<Migration> }[];
  /** Called with every SQL statement sent; tests count queries with it. */
  onQuery?: (sql: string) => void;
  /** Largest number of pooled connections. Default `defaultPoolSize` (5). */
  poolSize?: number;
  /**
   * 'apply' (default): apply pending migrations under the migration lock, as the subgraph owning the database
   * does in development and tests. 'await': never migrate; wait until the migrations are applied (by `pnpm migrate`
   * or the subgraph), as production subgraphs and the workers do.
   */
  migrationMode?: 'apply' | 'await';
  /** How long 'await' waits before giving up. Default 60 seconds; `Infinity` waits for as long as it takes. */
  migrationWaitMs?: number;
  /**
   * Told why the ORM is not open yet (the database missing, migrations pending, another process migrating), each
   * time the reason changes; a subgraph reports it on /ready while it waits. Default none.
   */
  onMigrationWait?: (reason: string) => void;
  /** Ends a wait for migrations ('await') with an error once aborted (the process is asked to stop). */
  signal?: AbortSignal | undefined;
}

const ormConfig = (options: Omit<OpenOrmOptions, 'onQuery'>, poolSize: number) =>
  ({
    clientUrl: options.databaseUrl,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // `pnpm migrate` says what it applied; a subgraph's start says nothing per migration.
      silent: true,
    },
    pool: { min: 0, max: poolSize },
    // MikroORM would create a missing database at start, from the `postgres` database: creating databases is
    // `ensureDatabase`'s job, in development only (production roles have no CREATEDB, and poolers no `postgres`).
    ensureDatabase: false,
  }) satisfies Options;

/**
 * Opens the ORM on a subgraph's database and applies pending migrations (or waits for them, see
 * `migrationMode`). Works through PgBouncer in transaction pooling: statements are unnamed (no prepared
 * statement outlives its transaction) and nothing sets session state.
 */
export async function openOrm(options: OpenOrmOptions): Promise<MikroORM> {
  const { onQuery } = options;
  const orm = await MikroORM.init({
    ...ormConfig(options, options.poolSize ?? defaultPoolSize),
    // The identity map must never leak between requests: each request forks its own EntityManager.
    allowGlobalContext: false,
    ...(onQuery ? { onQuery: (sql: string) => (onQuery(sql), sql) } : {}),
  });
  try {
    if (options.migrationMode === 'await') await awaitMigrations(orm, options);
    else await migrateUnderLock(orm, options.databaseUrl, options.onMigrationWait);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}

/**
 * Applies pending migrations while holding the migration lock, and returns their names. The lock is taken by
 * a transaction of its own connection, held open until the migrations are committed: a transaction-level lock
 * works through a transaction pooler (a session-level one would stay on whichever server connection ran it),
 * and it is released by PostgreSQL if this process dies.
 */
async function migrateUnderLock(
  orm: MikroORM,
  databaseUrl: string,
  onWait: ((reason: string) => void) | undefined,
): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('begin');
    const { rows } = await lock.query<{ locked: boolean }>(
      `select pg_try_advisory_xact_lock(${migrationLockKey}) as locked`,
    );
    if (!rows[0]?.locked) {
      onWait?.('waiting for migrations: another process is applying them');
      await lock.query(`select pg_advisory_xact_lock(${migrationLockKey})`);
    }
    const applied = await orm.migrator.up();
    await lock.query('commit');
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
  }
}

/** Why the database is not ready for `expected`, or null when every migration is applied. */
async function pendingReason(orm: MikroORM, expected: string[]): Promise<string | null> {
  try {
    const rows = await orm.em.fork().execute<{ name: string }[]>('select name from mikro_orm_migrations');
    const applied = new Set(rows.map((row) => row.name));
    const pending = expected.filter((name) => !applied.has(name));
    return pending.length === 0
      ? null
      : `waiting for migrations: ${pending.length} pending (${pending.join(', ')}); run pnpm migrate`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P01')
      return `waiting for migrations: none applied yet (${expected.length} pending); run pnpm migrate`;
    if (code === '3D000') return 'waiting for the database: it does not exist; create it, then run pnpm migrate';
    return `waiting for the database: ${(error as Error).message}`;
  }
}

async function awaitMigrations(orm: MikroORM, options: OpenOrmOptions): Promise<void> {
  const expected = options.migrations.map((migration) => migration.name);
  const deadline = Date.now() + (options.migrationWaitMs ?? 60_000);
  let told: string | undefined;
  for (;;) {
    const reason = await pendingReason(orm, expected);
    if (reason === null) return;
    if (reason !== told) options.onMigrationWait?.((told = reason));
    if (Date.now() > deadline) {
      throw new Error(`the database's migrations were not applied within the wait (${reason})`);
    }
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 250));
    options.signal?.throwIfAborted();
  }
}

/**
 * Applies pending migrations under the migration lock and closes, for `pnpm migrate` (the migration job).
 * Never creates the database. Returns the names applied.
 */
export async function migrateDatabase(options: Omit<OpenOrmOptions, 'onQuery'>): Promise<string[]> {
  const orm = await MikroORM.init(ormConfig(options, 1));
  try {
    return await migrateUnderLock(orm, options.databaseUrl, options.onMigrationWait);
  } finally {
    await orm.close();
  }
}
