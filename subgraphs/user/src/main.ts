import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createUserSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'user',
  loadEnv,
  database: (env) => env.USER_DATABASE,
  create: ({ databaseUrl, logger, accountBlocklist, eventBus, pubsub }, env) =>
    createUserSubgraph({ databaseUrl, logger, accountBlocklist, eventBus, pubsub, signingKey: env.AUTH_SIGNING_KEY }),
});
