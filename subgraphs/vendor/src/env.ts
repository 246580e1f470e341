import { z } from 'zod';
import {
  logLevelSchema,
  parseEnv,
  portSchema,
  redisClusterNodesSchema,
  redisKeyPrefixSchema,
  redisUrlSchema,
} from '@curbside/service';
import { defaultPostgresUrl } from '@curbside/subgraph-kit';

const schema = z.object({
  PORT: portSchema.default(4002),
  HOST: z.string().default('127.0.0.1'),
  /** Any database on the server; the subgraph uses its own database `VENDOR_DATABASE` on it. */
  POSTGRES_URL: z.url().default(defaultPostgresUrl),
  VENDOR_DATABASE: z.string().default('curbside_vendor'),
  /** Where the user subgraph publishes the access-token keys. */
  JWKS_URL: z.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  /**
   * The most vendors one account may run. The cost estimate assumes 10 for `User.vendors`
   * (`@listSize(assumedSize: 10)`): raise both together.
   */
  MAX_VENDORS_PER_OWNER: z.coerce.number().int().positive().default(10),
  REDIS_URL: redisUrlSchema,
  REDIS_CLUSTER_NODES: redisClusterNodesSchema,
  REDIS_KEY_PREFIX: redisKeyPrefixSchema,
  LOG_LEVEL: logLevelSchema,
});

export type VendorSubgraphEnv = z.infer<typeof schema>;
export const loadEnv = (source: NodeJS.ProcessEnv): VendorSubgraphEnv => parseEnv(schema, source);
