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
  PORT: portSchema.default(4003),
  HOST: z.string().default('127.0.0.1'),
  /** Any database on the server; the subgraph uses its own database `LOCATION_DATABASE` on it. */
  POSTGRES_URL: z.url().default(defaultPostgresUrl),
  LOCATION_DATABASE: z.string().default('curbside_location'),
  /** Days a vendor's past position is kept before it is pruned, 1 to 365 (the current position is kept). */
  LOCATION_HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  JWKS_URL: z.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  REDIS_URL: redisUrlSchema,
  REDIS_CLUSTER_NODES: redisClusterNodesSchema,
  REDIS_KEY_PREFIX: redisKeyPrefixSchema,
  LOG_LEVEL: logLevelSchema,
});

export type LocationSubgraphEnv = z.infer<typeof schema>;
export const loadEnv = (source: NodeJS.ProcessEnv): LocationSubgraphEnv => parseEnv(schema, source);
