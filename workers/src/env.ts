import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { portSchema } from '@curbside/service';
import {
  logLevelSchema,
  parseEnv,
  redisClusterNodesSchema,
  redisKeyPrefixSchema,
  redisUrlSchema,
} from '@curbside/service';
import { checkMediaStoreEnv, mediaStoreEnvShape } from '@curbside/media-subgraph';
import { defaultPostgresUrl } from '@curbside/subgraph-kit';

const defaultMediaDir = fileURLToPath(new URL('../../.media', import.meta.url));

const schema = z
  .object({
    /** Any database on the server; each subgraph's database is `<NAME>_DATABASE` on it (default curbside_<name>). */
    POSTGRES_URL: z.url().default(defaultPostgresUrl),
    REDIS_URL: redisUrlSchema,
    REDIS_CLUSTER_NODES: redisClusterNodesSchema,
    REDIS_KEY_PREFIX: redisKeyPrefixSchema,
    NODE_ENV: z.string().default('development'),
    /** The media subgraph's store: MEDIA_STORE, S3_* and MEDIA_DIR the same as its own. */
    ...mediaStoreEnvShape,
    MEDIA_DIR: z.string().min(1).default(defaultMediaDir),
    LOG_LEVEL: logLevelSchema,
    /** Port of the probe endpoint (/health, /ready; the workers serve nothing else); 0 asks the OS for one. */
    PORT: portSchema.default(4010),
    HOST: z.string().default('127.0.0.1'),
  })
  .superRefine(checkMediaStoreEnv);

export type WorkersEnv = z.infer<typeof schema> & {
  /** Database name of each subgraph, from `<NAME>_DATABASE`. */
  databaseOf(subgraph: string): string;
};

export function loadEnv(source: NodeJS.ProcessEnv): WorkersEnv {
  const env = parseEnv(schema, source);
  return {
    ...env,
    databaseOf: (subgraph) => source[`${subgraph.toUpperCase()}_DATABASE`] || `curbside_${subgraph}`,
  };
}
