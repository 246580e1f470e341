/**
 * `pnpm search:reindex`: rebuilds the search index from what the user, vendor and post subgraphs have now, read
 * through their export queries (`searchExportUsers`, `searchExportVendors`, `searchExportPosts`), which are not
 * in the API: they are called on each subgraph's own endpoint with the gateway's credential (`GATEWAY_SECRET`).
 * The index's live documents are replaced in one transaction (searches keep answering from the old index
 * meanwhile); tombstones and closed accounts stay. Never reads another subgraph's database.
 *
 * Reads like the services (and the repository's .env if there is one): POSTGRES_URL and SEARCH_DATABASE for the
 * index, `SUBGRAPH_URL_<NAME>` for each owner (as the gateway does; default its local port), GATEWAY_SECRET.
 * The user, vendor and post subgraphs must be running.
 */
import { existsSync } from 'node:fs';
import { databaseUrl, defaultPostgresUrl, ensureDatabase, openOrm } from '@curbside/subgraph-kit';
import { entities, migrations, readOwnerExports, rebuildSearchIndex } from '@curbside/search-subgraph';
import { fromRoot } from './paths.ts';
import { subgraphServices, subgraphUrl } from './services.ts';

if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
const serviceNamed = (name: string) => subgraphServices.find((candidate) => candidate.name === name)!;
const search = serviceNamed('search');
const searchDatabase = process.env[search.databaseVariable] || search.database;
const endpointOf = (name: 'user' | 'vendor' | 'post') =>
  process.env[`SUBGRAPH_URL_${name.toUpperCase()}`] || subgraphUrl(serviceNamed(name));

const started = Date.now();
// Created and migrated here too, so that the index can be built before the search subgraph first starts.
await ensureDatabase(postgresUrl, searchDatabase);
const orm = await openOrm({ databaseUrl: databaseUrl(postgresUrl, searchDatabase), entities, migrations, poolSize: 1 });
try {
  const written = await rebuildSearchIndex(orm.em.fork(), () =>
    readOwnerExports({
      endpoints: { user: endpointOf('user'), vendor: endpointOf('vendor'), post: endpointOf('post') },
      gatewaySecret: process.env['GATEWAY_SECRET'] || undefined,
    }),
  );
  console.log(
    `Search index rebuilt from the user, vendor and post subgraphs' exports: ${written} documents, in ${Date.now() - started} ms.`,
  );
} finally {
  await orm.close();
}
