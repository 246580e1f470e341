import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ConnectionOptions } from 'bullmq';
import type { AccessTokenVerifier } from '@curbside/auth';
import { startEventConsumer, startOutboxRelay } from '@curbside/event-bus';
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
import { applyMediaEvent } from './media-copy.ts';
import { migrations } from './migrations/index.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeResolvers } from './resolvers.ts';
import { applyVendorEvent } from './vendor-copy.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface PostSubgraphDeps {
  /** URL of the post subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  /** Verifies access tokens against the user subgraph's JWKS. */
  verifyAccessToken: AccessTokenVerifier;
  /** Queues: where events come from (the media and vendor copies) and go to (this subgraph's outbox). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Live events: publishes `post.updated` and `post.comment`, serves their subscriptions. Owned by the caller. */
  pubsub: LivePubSub;
  onQuery?: ((sql: string) => void) | undefined;
}

/**
 * Builds the post subgraph: database (migrated), the consumers that keep its media and vendor copies,
 * the relay of its own outbox, schema and HTTP server. `close()` stops them all.
 */
export async function createPostSubgraph(deps: PostSubgraphDeps): Promise<SubgraphServer> {
  const { logger } = deps;
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    const server = await createSubgraphServer({
      name: 'post',
      schema: subgraphSchema<Resolvers>(typeDefs, makeResolvers({ pubsub: deps.pubsub })),
      orm,
      logger,
      verifyAccessToken: deps.verifyAccessToken,
      createContext,
    });
    const consumers = [
      startEventConsumer({
        queue: 'post.media-copy',
        consumer: 'post-subgraph',
        ...deps.eventBus,
        logger,
        handle: (event) => applyMediaEvent(orm.em.fork(), event),
      }),
      startEventConsumer({
        queue: 'post.vendor-copy',
        consumer: 'post-subgraph',
        ...deps.eventBus,
        logger,
        handle: (event) => applyVendorEvent(orm.em.fork(), event),
      }),
    ];
    const relay = startOutboxRelay({ orm, databaseUrl: deps.databaseUrl, ...deps.eventBus, logger });
    return withOrderedShutdown({
      server,
      background: [...consumers.map((consumer) => () => consumer.close()), () => relay.stop()],
      orm,
    });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
