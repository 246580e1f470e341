import pg from 'pg';

/** Runs one query on a database and returns its rows: for assertions on what was (not) written. */
export async function queryRows(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, any>[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}
