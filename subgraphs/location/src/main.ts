import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createLocationSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'location',
  loadEnv,
  database: (env) => env.LOCATION_DATABASE,
  create: createLocationSubgraph,
  options: (env) => ({ historyPruning: { retentionMs: env.LOCATION_HISTORY_RETENTION_DAYS * 24 * 3600 * 1000 } }),
});
