/** `pnpm migrate`: creates each subgraph's database if missing and applies its pending migrations. */
import { databaseUrl, ensureDatabase, migrateDatabase, type OpenOrmOptions } from '@curbside/subgraph-kit';

type MigrateDatabaseOptions = Omit<OpenOrmOptions, 'onQuery'>;
import * as userSubgraph from '@curbside/user-subgraph';
import * as vendorSubgraph from '@curbside/vendor-subgraph';
import * as locationSubgraph from '@curbside/location-subgraph';
import * as mediaSubgraph from '@curbside/media-subgraph';
import * as postSubgraph from '@curbside/post-subgraph';
import * as searchSubgraph from '@curbside/search-subgraph';
import { backingServiceProblems, howToStart, postgresUrl } from './local-services.ts';
import { subgraphServices } from './services.ts';

const schemas: Record<string, Omit<MigrateDatabaseOptions, 'databaseUrl'>> = {
  user: userSubgraph,
  vendor: vendorSubgraph,
  location: locationSubgraph,
  media: mediaSubgraph,
  post: postSubgraph,
  search: searchSubgraph,
};

const problems = await backingServiceProblems();
if (problems.some((problem) => problem.startsWith('PostgreSQL'))) {
  console.error(`${problems.join('\n')}\n\n${howToStart}`);
  process.exit(1);
}
for (const service of subgraphServices) {
  const schema = schemas[service.name];
  if (!schema) throw new Error(`No migrations registered for subgraph '${service.name}'`);
  const database = process.env[service.databaseVariable] ?? service.database;
  await ensureDatabase(postgresUrl, database);
  const applied = await migrateDatabase({ databaseUrl: databaseUrl(postgresUrl, database), ...schema });
  console.log(`${service.name} (${database}): ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
}
