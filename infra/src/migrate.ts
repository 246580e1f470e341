/**
 * `pnpm migrate`, which is also a deployment's migration job: applies each subgraph's pending migrations under
 * the migration lock (a subgraph replica starting meanwhile waits, unready, and so does a second job). Each
 * database is `<NAME>_DATABASE_DIRECT_URL`, else `<NAME>_DATABASE_URL`, else `<NAME>_DATABASE` on POSTGRES_URL,
 * as the subgraphs read them. Outside production a missing database is created first (on POSTGRES_URL's
 * server); with NODE_ENV=production nothing is created: a missing database is reported and the job fails.
 */
import { ensureDatabase, migrateDatabase, type OpenOrmOptions } from '@curbside/subgraph-kit';
import * as userSubgraph from '@curbside/user-subgraph';
import * as vendorSubgraph from '@curbside/vendor-subgraph';
import * as locationSubgraph from '@curbside/location-subgraph';
import * as mediaSubgraph from '@curbside/media-subgraph';
import * as postSubgraph from '@curbside/post-subgraph';
import * as searchSubgraph from '@curbside/search-subgraph';
import { serviceDatabase } from './databases.ts';
import { backingServiceProblems, howToStart } from './local-services.ts';
import { subgraphServices } from './services.ts';

type MigrateDatabaseOptions = Omit<OpenOrmOptions, 'onQuery'>;

const schemas: Record<string, Omit<MigrateDatabaseOptions, 'databaseUrl'>> = {
  user: userSubgraph,
  vendor: vendorSubgraph,
  location: locationSubgraph,
  media: mediaSubgraph,
  post: postSubgraph,
  search: searchSubgraph,
};

const production = process.env['NODE_ENV'] === 'production';

const databases = (() => {
  try {
    return subgraphServices.map((service) => ({ service, database: serviceDatabase(service) }));
  } catch (error) {
    // A ConfigError: a database variable that is not a postgres:// URL.
    console.error(`migrate: ${(error as Error).message}`);
    process.exit(1);
  }
})();
if (!production) {
  // Development: say how to start a PostgreSQL that is down (production has no local one to start).
  const problems = await backingServiceProblems();
  if (problems.some((problem) => problem.startsWith('PostgreSQL'))) {
    console.error(`${problems.join('\n')}\n\n${howToStart}`);
    process.exit(1);
  }
}
for (const { service, database } of databases) {
  const schema = schemas[service.name];
  if (!schema) throw new Error(`No migrations registered for subgraph '${service.name}'`);
  const name = new URL(database.url).pathname.slice(1);
  if (database.server && !production) await ensureDatabase(database.server.url, database.server.database);
  try {
    const applied = await migrateDatabase({ databaseUrl: database.directUrl ?? database.url, ...schema });
    console.log(`${service.name} (${name}): ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
    console.error(
      `${service.name}: the database ${name} does not exist; create it (owned by the subgraph's role), then run this again`,
    );
    process.exit(1);
  }
}
