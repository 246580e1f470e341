import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createSearchSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'search',
  loadEnv,
  database: (env) => env.SEARCH_DATABASE,
  create: createSearchSubgraph,
  options: () => ({}),
});
