import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { defineSubgraph, type NoOptions } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Builds the vendor subgraph: database (migrated), schema and HTTP server, the relay of its outbox. Publishes
 * `vendor.status` and serves vendorStatusChanged. `close()` stops them all.
 */
export const createVendorSubgraph = defineSubgraph<NoOptions, Resolvers>({
  name: 'vendor',
  typeDefs,
  entities,
  migrations,
  createContext,
  build: ({ deps }) => ({ resolvers: makeResolvers({ pubsub: deps.pubsub }) }),
});
