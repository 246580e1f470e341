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
import {
  defaultPostgresUrl,
  loadAll,
  loadSubgraphDatabaseVariables,
  poolSizeSchema,
  subgraphDatabase,
} from '@curbside/subgraph-kit';

const defaultMediaDir = fileURLToPath(new URL('../../.media', import.meta.url));

/**
 * Pool size of the workers on each subgraph database, unless DATABASE_POOL_SIZE says otherwise: 4, a queue's
 * default concurrency (`startEventHandlers`), so one queue's jobs never wait for a connection.
 */
export const defaultWorkersPoolSize = 4;

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
    /**
     * Connections of the workers' pool on each subgraph's database (five databases, so five pools). Default 4:
     * see the README's connection budget.
     */
    DATABASE_POOL_SIZE: poolSizeSchema.default(defaultWorkersPoolSize),
  })
  .superRefine(checkMediaStoreEnv);

export type WorkersEnv = z.infer<typeof schema> & {
  /**
   * Database URL of each subgraph: `<NAME>_DATABASE_URL`, else `<NAME>_DATABASE` (default curbside_<name>) on
   * POSTGRES_URL. The workers never LISTEN, so a transaction pooler's URL is enough.
   */
  databaseUrlOf(subgraph: string): string;
};

/** The workers' environment, with the database variables of each of `subgraphs`; throws a ConfigError. */
export function loadEnv(source: NodeJS.ProcessEnv, subgraphs: readonly string[]): WorkersEnv {
  const [env, variables] = loadAll(
    () => parseEnv(schema, source),
    () => loadAll(...subgraphs.map((subgraph) => () => loadSubgraphDatabaseVariables(subgraph, source))),
  );
  const bySubgraph = new Map(subgraphs.map((subgraph, index) => [subgraph, variables[index]]));
  return {
    ...env,
    databaseUrlOf: (subgraph) =>
      subgraphDatabase(bySubgraph.get(subgraph) ?? { url: undefined, directUrl: undefined }, {
        serverUrl: env.POSTGRES_URL,
        database: source[`${subgraph.toUpperCase()}_DATABASE`] || `curbside_${subgraph}`,
      }).url,
  };
}
