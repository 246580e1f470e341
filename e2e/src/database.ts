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

/** Drops of stopped stacks' databases still to run, one after another (parallel drops contend on the disk). */
let dropping: Promise<void> = Promise.resolve();

/**
 * Drops `databases` once nothing else of this process is dropping, without waiting: a stack's stop returns at
 * once and the drop overlaps the next tests, rather than all of a run's databases (six per stack, over a
 * second each on a busy disk) being dropped one by one at its end. A drop that fails or is cut short when the
 * worker exits is left to the run's global teardown, which drops whatever is left by prefix.
 */
export function dropDatabasesLater(serverUrl: string, databases: string[]): void {
  dropping = dropping.then(async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    try {
      await client.connect();
      for (const database of databases) await client.query(`drop database if exists "${database}" with (force)`);
    } catch {
      // Left to the global teardown.
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}
