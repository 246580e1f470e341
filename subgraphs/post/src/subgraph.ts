import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { startEventConsumer } from '@curbside/event-bus';
import { defineSubgraph, type NoOptions } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { applyMediaEvent } from './media-copy.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { applyVendorEvent } from './vendor-copy.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Builds the post subgraph: database (migrated), schema and HTTP server, the relay of its own outbox, the
 * consumers that keep its media and vendor copies. Publishes `post.updated` and `post.comment` and serves
 * their subscriptions. `close()` stops them all.
 */
export const createPostSubgraph = defineSubgraph<NoOptions, Resolvers>({
  name: 'post',
  typeDefs,
  entities,
  migrations,
  createContext,
  build: ({ deps, orm }) => ({
    resolvers: makeResolvers({ pubsub: deps.pubsub }),
    background: [
      () =>
        startEventConsumer({
          queue: 'post.media-copy',
          consumer: 'post-subgraph',
          ...deps.eventBus,
          logger: deps.logger,
          handle: (event) => applyMediaEvent(orm.em.fork(), event),
        }),
      () =>
        startEventConsumer({
          queue: 'post.vendor-copy',
          consumer: 'post-subgraph',
          ...deps.eventBus,
          logger: deps.logger,
          handle: (event) => applyVendorEvent(orm.em.fork(), event),
        }),
    ],
  }),
});
