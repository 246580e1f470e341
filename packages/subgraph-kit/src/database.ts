import pg from 'pg';

/** Default server when nothing is configured: the project machines' and docker-compose's PostgreSQL. */
export const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of another database on the same server as `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const databaseNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates `database` on the server of `serverUrl` unless it exists. Safe when several processes start
 * at once: a concurrent creation (duplicate_database, or a unique_violation on pg_database) counts as done.
 */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!databaseNamePattern.test(database)) throw new Error(`Invalid database name '${database}'`);
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database "${database}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Drops every database whose name starts with `prefix` (used by test runs to clean up after themselves). */
export async function dropDatabasesWithPrefix(serverUrl: string, prefix: string): Promise<string[]> {
  if (!databaseNamePattern.test(prefix)) throw new Error(`Invalid database prefix '${prefix}'`);
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like $1 || '%'",
      [prefix],
    );
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}
