import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createPostSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'post',
  loadEnv,
  database: (env) => env.POST_DATABASE,
  create: createPostSubgraph,
  options: () => ({}),
});
