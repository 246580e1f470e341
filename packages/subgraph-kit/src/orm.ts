import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';

export type { EntityManager };
export type Orm = MikroORM;

export interface OpenOrmOptions {
  /** `postgres://` URL of this subgraph's own database. */
  databaseUrl: string;
  entities: NonNullable<Options['entities']>;
  /** Committed migrations, oldest first. */
  migrations: { name: string; class: Constructor<Migration> }[];
  /** Called with every SQL statement sent; tests count queries with it. */
  onQuery?: (sql: string) => void;
  /** Largest number of pooled connections. Default 10. */
  poolSize?: number;
  /**
   * 'apply' (default): apply pending migrations, as the subgraph owning the database does. 'await': wait until
   * the owner has applied them all (up to `migrationWaitMs`), as a worker using the same database does: two
   * processes never migrate one database at once.
   */
  migrationMode?: 'apply' | 'await';
  /** How long 'await' waits. Default 60 seconds. */
  migrationWaitMs?: number;
}

/** Opens the ORM on a subgraph's database and applies pending migrations. */
export async function openOrm(options: OpenOrmOptions): Promise<MikroORM> {
  const { onQuery } = options;
  const orm = await MikroORM.init({
    clientUrl: options.databaseUrl,
    entities: options.entities,
    extensions: [Migrator],
    migrations: { migrationsList: options.migrations, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: options.poolSize ?? 10 },
    // The identity map must never leak between requests: each request forks its own EntityManager.
    allowGlobalContext: false,
    ...(onQuery ? { onQuery: (sql: string) => (onQuery(sql), sql) } : {}),
  });
  if (options.migrationMode === 'await') await awaitMigrations(orm, options);
  else await orm.migrator.up();
  return orm;
}

async function awaitMigrations(orm: MikroORM, options: OpenOrmOptions): Promise<void> {
  const expected = options.migrations.map((migration) => migration.name);
  const deadline = Date.now() + (options.migrationWaitMs ?? 60_000);
  for (;;) {
    try {
      const rows = await orm.em.fork().execute<{ name: string }[]>('select name from mikro_orm_migrations');
      const applied = new Set(rows.map((row) => row.name));
      if (expected.every((name) => applied.has(name))) return;
    } catch {
      // The table does not exist yet: the owner has not started.
    }
    if (Date.now() > deadline) {
      await orm.close();
      throw new Error(
        `the database's migrations were not applied by its subgraph within the wait (${expected.at(-1)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Applies pending migrations and closes, for `pnpm migrate`. Returns the names applied. */
export async function migrateDatabase(options: Omit<OpenOrmOptions, 'onQuery'>): Promise<string[]> {
  const orm = await MikroORM.init({
    clientUrl: options.databaseUrl,
    entities: options.entities,
    extensions: [Migrator],
    migrations: { migrationsList: options.migrations, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: 1 },
  });
  try {
    const applied = await orm.migrator.up();
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close();
  }
}
