import {
  defaultPostgresUrl,
  loadSubgraphDatabaseVariables,
  subgraphDatabase,
  type SubgraphDatabase,
} from '@curbside/subgraph-kit';
import type { SubgraphService } from './services.ts';

/**
 * Where a command (`pnpm migrate`, `pnpm admin:grant`, ...) reaches a subgraph's database, as the subgraph itself
 * does: `<NAME>_DATABASE_URL` (and `<NAME>_DATABASE_DIRECT_URL`), else `<NAME>_DATABASE` on `POSTGRES_URL`.
 * Throws a ConfigError naming a bad variable.
 */
export function serviceDatabase(service: SubgraphService, source: NodeJS.ProcessEnv = process.env): SubgraphDatabase {
  return subgraphDatabase(loadSubgraphDatabaseVariables(service.name, source), {
    serverUrl: source['POSTGRES_URL'] || defaultPostgresUrl,
    database: source[service.databaseVariable] || service.database,
  });
}
