/**
 * `pnpm search:reindex`: rebuilds the search index from the owners' events. Reads every search event ever
 * recorded in the user, vendor and post databases' outboxes (sent or not), oldest first, and replaces the
 * index with what they build, in one transaction (searches keep answering from the old index meanwhile).
 * Reads POSTGRES_URL and each `<NAME>_DATABASE` like the services (and the repository's .env if there is one).
 */
// First: a developer's .env applies before any module reads the environment (see load-dotenv.ts).
import './load-dotenv.ts';
import { databaseUrl, defaultPostgresUrl, ensureDatabase, openOrm } from '@curbside/subgraph-kit';
import { entities, migrations, readOwnerEvents, rebuildSearchIndex } from '@curbside/search-subgraph';
import { subgraphServices } from './services.ts';

const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
const databaseOf = (name: string) => {
  const service = subgraphServices.find((candidate) => candidate.name === name)!;
  return process.env[service.databaseVariable] || service.database;
};

/** The subgraphs whose events the index is built from. */
const owners = ['user', 'vendor', 'post'];

const started = Date.now();
// Created and migrated here too, so that the index can be built before the search subgraph first starts.
await ensureDatabase(postgresUrl, databaseOf('search'));
const orm = await openOrm({
  databaseUrl: databaseUrl(postgresUrl, databaseOf('search')),
  entities,
  migrations,
  poolSize: 1,
});
try {
  const applied = await rebuildSearchIndex(orm.em.fork(), () =>
    readOwnerEvents(owners.map((owner) => databaseUrl(postgresUrl, databaseOf(owner)))),
  );
  const [counts] = await orm.em
    .fork()
    .execute<{ documents: number }[]>(
      'select count(*)::int as documents from search_document where deleted_at is null',
    );
  console.log(
    `Search index rebuilt from ${applied} events of ${owners.join(', ')}: ${counts?.documents ?? 0} documents, in ${Date.now() - started} ms.`,
  );
} finally {
  await orm.close();
}
