import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createUserSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'user',
  loadEnv,
  database: (env) => env.USER_DATABASE,
  create: createUserSubgraph,
  options: (env) => ({ signingKey: env.AUTH_SIGNING_KEY, authAttemptsPerMinute: env.RATE_LIMIT_AUTH_ATTEMPTS }),
});
