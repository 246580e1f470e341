import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { defineSubgraph } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { defaultMaxVendorsPerOwner } from './vendors.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Builds the vendor subgraph: database (migrated), schema and HTTP server, the relay of its outbox. Publishes
 * `vendor.status` and serves vendorStatusChanged. `close()` stops them all.
 */
/** The vendor subgraph's own settings (`SubgraphDeps.options`). */
export interface VendorSubgraphOptions {
  /** The most vendors one account may run. Default 10 (`defaultMaxVendorsPerOwner`); tests lift it. */
  maxVendorsPerOwner?: number | undefined;
}

export const createVendorSubgraph = defineSubgraph<VendorSubgraphOptions, Resolvers>({
  name: 'vendor',
  typeDefs,
  entities,
  migrations,
  createContext,
  build: ({ deps }) => ({
    resolvers: makeResolvers({
      pubsub: deps.pubsub,
      maxVendorsPerOwner: deps.options.maxVendorsPerOwner ?? defaultMaxVendorsPerOwner,
    }),
  }),
});
