/**
 * Migrated template databases, one per subgraph, made once per test run: every stack's databases are copies
 * of them (`CREATE DATABASE … TEMPLATE`), which is much faster than migrating six databases per stack.
 */
import { ensureDatabase, openOrm, databaseUrl } from '@curbside/subgraph-kit';
import { entities as userEntities, migrations as userMigrations } from '@curbside/user-subgraph';
import { entities as vendorEntities, migrations as vendorMigrations } from '@curbside/vendor-subgraph';
import { entities as locationEntities, migrations as locationMigrations } from '@curbside/location-subgraph';
import { entities as postEntities, migrations as postMigrations } from '@curbside/post-subgraph';
import { entities as mediaEntities, migrations as mediaMigrations } from '@curbside/media-subgraph';
import { entities as searchEntities, migrations as searchMigrations } from '@curbside/search-subgraph';

const schemas = {
  user: { entities: userEntities, migrations: userMigrations },
  vendor: { entities: vendorEntities, migrations: vendorMigrations },
  location: { entities: locationEntities, migrations: locationMigrations },
  post: { entities: postEntities, migrations: postMigrations },
  media: { entities: mediaEntities, migrations: mediaMigrations },
  search: { entities: searchEntities, migrations: searchMigrations },
} as const;

type SubgraphWithDatabase = keyof typeof schemas;

/** The template database of `subgraph` for the run whose databases start with `prefix`. */
export const templateDatabase = (prefix: string, subgraph: SubgraphWithDatabase) => `${prefix}tpl_${subgraph}`;

/** Creates and migrates every subgraph's template database (the run's global setup calls it once). */
export async function prepareTemplateDatabases(serverUrl: string, prefix: string): Promise<void> {
  await Promise.all(
    Object.entries(schemas).map(async ([name, schema]) => {
      const database = templateDatabase(prefix, name as SubgraphWithDatabase);
      await ensureDatabase(serverUrl, database);
      const orm = await openOrm({
        databaseUrl: databaseUrl(serverUrl, database),
        entities: [...schema.entities],
        migrations: schema.migrations,
        poolSize: 1,
      });
      // Closed before any copy: PostgreSQL copies no database that has a session.
      await orm.close();
    }),
  );
}
