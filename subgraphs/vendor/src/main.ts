import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createVendorSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'vendor',
  loadEnv,
  database: (env) => env.VENDOR_DATABASE,
  create: ({ databaseUrl, logger, verifyAccessToken, eventBus, pubsub }) =>
    createVendorSubgraph({ databaseUrl, logger, verifyAccessToken, eventBus, pubsub }),
});
