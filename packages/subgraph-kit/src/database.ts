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
 * With `template`, the new database is a copy of that one (tests copy an already migrated database rather
 * than migrate each of their own); a template that does not exist is ignored.
 */
export async function ensureDatabase(
  serverUrl: string,
  database: string,
  options: { template?: string } = {},
): Promise<void> {
  if (!databaseNamePattern.test(database)) throw new Error(`Invalid database name '${database}'`);
  const { template } = options;
  if (template !== undefined && !databaseNamePattern.test(template)) {
    throw new Error(`Invalid template database name '${template}'`);
  }
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  const alreadyThere = (error: { code?: string }) => {
    if (error.code !== '42P04' && error.code !== '23505') throw error;
  };
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount !== 0) return;
    if (template) {
      const copied = await client.query(`create database "${database}" template "${template}"`).then(
        () => true,
        (error: { code?: string }) => {
          if (error.code === '3D000') return false; // no such template: create it empty below
          alreadyThere(error);
          return true;
        },
      );
      if (copied) return;
    }
    await client.query(`create database "${database}"`).catch(alreadyThere);
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
