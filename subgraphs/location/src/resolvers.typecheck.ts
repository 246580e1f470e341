/**
 * Checked by `pnpm typecheck`, never run: resolvers for what schema.graphql does not declare fail to compile
 * (buildSubgraphSchema would drop them silently). Each `@ts-expect-error` fails tsc if its next line compiles,
 * so a generated `Resolvers` that let them through (an index signature, say) breaks the build.
 */
import type { Resolvers } from './generated/resolvers.ts';

export const unknownField: Resolvers = {
  // @ts-expect-error a field not in the SDL
  Query: { noSuchField: () => 1 },
};

export const unknownType: Resolvers = {
  // @ts-expect-error a type not in the SDL
  NoSuchType: {},
};
