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
 * Builds the search subgraph: database (migrated), schema and HTTP server. It only reads the index; the
 * workers deployable keeps it current (see `searchWorkerModule`). `close()` also closes the ORM.
 */
export const createSearchSubgraph = defineSubgraph<NoOptions, Resolvers>({
  name: 'search',
  typeDefs,
  entities,
  migrations,
  createContext,
  // It records no domain events: no outbox to relay.
  relayOutbox: false,
  build: () => ({ resolvers: makeResolvers() }),
});
