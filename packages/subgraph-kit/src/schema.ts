import { buildSubgraphSchema, type GraphQLSchemaModule } from '@apollo/subgraph';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** The resolver map `buildSubgraphSchema` takes: any type names, any field names, any parent, args and context. */
export type SubgraphResolverMap = NonNullable<GraphQLSchemaModule['resolvers']>;

/**
 * Builds a subgraph's executable schema from its SDL and the resolvers typed by codegen from that same SDL,
 * the type named by the caller: `subgraphSchema<Resolvers>(typeDefs, makeResolvers(deps))`. Without the
 * type argument nothing is accepted (it defaults to `never` and is not inferred), so resolvers never reach
 * `buildSubgraphSchema` under its loose type, where a field or type missing from the SDL compiles and is
 * then silently dropped.
 */
export function subgraphSchema<Resolvers extends SubgraphResolverMap = never>(
  typeDefs: DocumentNode,
  resolvers: NoInfer<Resolvers>,
): GraphQLSchema {
  // No conversion and no cast: the generated map (no index signature, each resolver typed by its parent,
  // arguments and the subgraph's context) is one case of Apollo's map, whose parents, arguments and context
  // are `any`; the constraint above checks that, and the strictness lives in `Resolvers` alone.
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
