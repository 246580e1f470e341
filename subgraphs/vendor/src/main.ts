import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createVendorSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'vendor',
  loadEnv,
  database: (env) => env.VENDOR_DATABASE,
  create: createVendorSubgraph,
  options: (env) => ({ maxVendorsPerOwner: env.MAX_VENDORS_PER_OWNER }),
});
