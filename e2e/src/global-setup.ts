import { dropDatabasesWithPrefix } from '@curbside/subgraph-kit';
import { postgresUrl, testDatabasePrefix } from './stack.ts';

/** Drops every database this run created, whether its tests passed or not. */
export default function setup(): () => Promise<void> {
  return async () => {
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  };
}
