/**
 * Checked by `pnpm typecheck`, never run: `subgraphSchema` takes resolvers only under a named resolver type.
 * Each `@ts-expect-error` fails tsc if its next line compiles.
 */
import type { DocumentNode } from 'graphql';
import { subgraphSchema } from './schema.ts';

/** Shaped as codegen writes it: a type alias (an interface has no implicit index signature). */
type Resolvers = {
  Query?: { known?: () => number };
};

export function typedResolversOnly(typeDefs: DocumentNode): void {
  subgraphSchema<Resolvers>(typeDefs, { Query: { known: () => 1 } });
  // @ts-expect-error a field the named type does not declare
  subgraphSchema<Resolvers>(typeDefs, { Query: { unknown: () => 1 } });
  // @ts-expect-error no resolver type named: nothing is accepted
  subgraphSchema(typeDefs, { Query: { known: () => 1 } });
}
