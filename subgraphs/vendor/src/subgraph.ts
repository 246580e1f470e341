import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ConnectionOptions } from 'bullmq';
import { startOutboxRelay } from '@curbside/event-bus';
import type { AccessTokenVerifier } from '@curbside/auth';
import type { Logger } from '@curbside/service';
import {
  createSubgraphServer,
  subgraphSchema,
  openOrm,
  type LivePubSub,
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

export interface VendorSubgraphDeps {
  /** URL of the vendor subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  /** Verifies access tokens against the user subgraph's JWKS. */
  verifyAccessToken: AccessTokenVerifier;
  /** Where this subgraph's outbox is relayed to (the consumers' queues). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Live events: publishes `vendor.status`, serves vendorStatusChanged. Owned by the caller. */
  pubsub: LivePubSub;
  onQuery?: ((sql: string) => void) | undefined;
}

/** Builds the vendor subgraph: database (migrated), schema and HTTP server. `close()` also closes the ORM. */
export async function createVendorSubgraph(deps: VendorSubgraphDeps): Promise<SubgraphServer> {
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    const server = await createSubgraphServer({
      name: 'vendor',
      schema: subgraphSchema<Resolvers>(typeDefs, makeResolvers({ pubsub: deps.pubsub })),
      orm,
      logger: deps.logger,
      verifyAccessToken: deps.verifyAccessToken,
      createContext,
    });
    const relay = startOutboxRelay({ orm, databaseUrl: deps.databaseUrl, ...deps.eventBus, logger: deps.logger });
    return withOrderedShutdown({ server, background: [() => relay.stop()], orm });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
