import { z } from 'zod';
import { parseEnv } from '@curbside/service';
import { databaseUrl } from './database.ts';
import { loadAll } from './gateway-access.ts';
import { defaultPoolSize } from './orm.ts';

/** How a process reaches one subgraph's database. */
export interface SubgraphDatabase {
  /** URL of the database, directly or through a transaction pooler (PgBouncer). */
  url: string;
  /**
   * A direct URL of the same database, for what needs a session of its own (the outbox relay's LISTEN).
   * Undefined when only `<NAME>_DATABASE_URL` is given, which may be a pooler: the relay then sweeps.
   */
  directUrl: string | undefined;
  /**
   * The server and database name the URL was derived from (`POSTGRES_URL` + `<NAME>_DATABASE`), on which
   * development may create the database; undefined when `<NAME>_DATABASE_URL` was given.
   */
  server: { url: string; database: string } | undefined;
}

/** The largest pool a variable may ask for: PostgreSQL's default `max_connections` is 100. */
const maxPoolSize = 100;

/** A pool size from the environment: a whole number from 1 to 100. */
export const poolSizeSchema = z.coerce.number().int().min(1).max(maxPoolSize);

const postgresUrlSchema = z
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'expected a postgres:// or postgresql:// URL');

/** The database variables of `subgraph`, as given (see `subgraphDatabase`). */
export interface SubgraphDatabaseVariables {
  /** `<NAME>_DATABASE_URL`. */
  url: string | undefined;
  /** `<NAME>_DATABASE_DIRECT_URL`. */
  directUrl: string | undefined;
}

/** Reads `<NAME>_DATABASE_URL` and `<NAME>_DATABASE_DIRECT_URL` of `subgraph`; throws a ConfigError. */
export function loadSubgraphDatabaseVariables(subgraph: string, source: NodeJS.ProcessEnv): SubgraphDatabaseVariables {
  const urlVariable = `${subgraph.toUpperCase()}_DATABASE_URL`;
  const directVariable = `${subgraph.toUpperCase()}_DATABASE_DIRECT_URL`;
  const schema = z.object({
    [urlVariable]: postgresUrlSchema.optional(),
    [directVariable]: postgresUrlSchema.optional(),
  });
  const env = parseEnv(schema, source);
  return { url: env[urlVariable], directUrl: env[directVariable] };
}

/**
 * Where a subgraph's database is: `<NAME>_DATABASE_URL` when set, else the database `fallback.database` on the
 * server of `fallback.serverUrl` (`POSTGRES_URL` and `<NAME>_DATABASE`, as before). The direct URL is
 * `<NAME>_DATABASE_DIRECT_URL`, else the derived URL (a server URL is direct), else none.
 */
export function subgraphDatabase(
  variables: SubgraphDatabaseVariables,
  fallback: { serverUrl: string; database: string },
): SubgraphDatabase {
  if (variables.url) return { url: variables.url, directUrl: variables.directUrl, server: undefined };
  const derived = databaseUrl(fallback.serverUrl, fallback.database);
  return {
    url: derived,
    directUrl: variables.directUrl ?? derived,
    server: { url: fallback.serverUrl, database: fallback.database },
  };
}

/** How a subgraph process uses PostgreSQL, from the variables every subgraph reads alike. */
export interface DatabaseSettings extends SubgraphDatabaseVariables {
  /** `DATABASE_POOL_SIZE`: the process's pool on its database, 1 to 100. Default `defaultPoolSize` (5). */
  poolSize: number;
  /**
   * NODE_ENV=production: the process never creates its database nor migrates it; it waits for `pnpm migrate`
   * and says why on /ready. Otherwise it creates the database if missing and migrates at start, under the lock.
   */
  production: boolean;
  /** `OUTBOX_RETENTION_DAYS`: how long sent outbox rows are kept before the relay prunes them (1 to 365; 7). */
  outboxRetentionMs: number;
}

const day = 24 * 3600 * 1000;

const settingsSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_POOL_SIZE: poolSizeSchema.default(defaultPoolSize),
  /** Days a sent outbox row is kept before the relay prunes it, 1 to 365 (events no queue receives: 10 minutes). */
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
});

/** The database settings of a `subgraph` process; throws one ConfigError naming every bad variable. */
export function loadDatabaseSettings(subgraph: string, source: NodeJS.ProcessEnv): DatabaseSettings {
  const [settings, variables] = loadAll(
    () => parseEnv(settingsSchema, source),
    () => loadSubgraphDatabaseVariables(subgraph, source),
  );
  return {
    ...variables,
    poolSize: settings.DATABASE_POOL_SIZE,
    production: settings.NODE_ENV === 'production',
    outboxRetentionMs: settings.OUTBOX_RETENTION_DAYS * day,
  };
}
