import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createUserSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'user',
  loadEnv,
  database: (env) => env.USER_DATABASE,
  create: ({ databaseUrl, logger, redis, accountBlocklist, eventBus, pubsub }, env) =>
    createUserSubgraph({
      databaseUrl,
      logger,
      redis,
      authAttemptsPerMinute: env.RATE_LIMIT_AUTH_ATTEMPTS,
      accountBlocklist,
      eventBus,
      pubsub,
      signingKey: env.AUTH_SIGNING_KEY,
    }),
});
