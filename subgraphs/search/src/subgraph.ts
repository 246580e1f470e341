import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { AccessTokenVerifier } from '@curbside/auth';
import type { Logger } from '@curbside/service';
import {
  createSubgraphServer,
  subgraphSchema,
  openOrm,
  type SubgraphServer,
  withOrderedShutdown,
} from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeResolvers } from './resolvers.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface SearchSubgraphDeps {
  /** URL of the search subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  /** Verifies access tokens against the user subgraph's JWKS (searching needs none, but a bad one is refused). */
  verifyAccessToken: AccessTokenVerifier;
  onQuery?: ((sql: string) => void) | undefined;
}

/**
 * Builds the search subgraph: database (migrated), schema and HTTP server. It only reads the index; the
 * workers deployable keeps it current (see `searchWorkerModule`). `close()` also closes the ORM.
 */
export async function createSearchSubgraph(deps: SearchSubgraphDeps): Promise<SubgraphServer> {
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    const server = await createSubgraphServer({
      name: 'search',
      schema: subgraphSchema<Resolvers>(typeDefs, makeResolvers()),
      orm,
      logger: deps.logger,
      verifyAccessToken: deps.verifyAccessToken,
      createContext,
    });
    return withOrderedShutdown({ server, background: [], orm });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
