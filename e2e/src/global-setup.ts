import { dropDatabasesWithPrefix } from '@curbside/subgraph-kit';
import { postgresUrl, testDatabasePrefix } from './stack.ts';
import { prepareTemplateDatabases } from './templates.ts';

/**
 * Makes the run's migrated template databases (every stack copies them), and at the end drops every database
 * this run created, whether its tests passed or not.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await prepareTemplateDatabases(postgresUrl, testDatabasePrefix());
  return async () => {
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  };
}
