import type { Resolvers } from './generated/resolvers.ts';
import { nodeReference, nodeReferences } from './nodes.ts';
import { searchDocuments } from './search.ts';

export function makeResolvers(): Resolvers {
  return {
    Query: {
      search: (_root, args, { em }) => searchDocuments(em, args),
      node: (_root, { id }) => nodeReference(id),
      nodes: (_root, { ids }) => nodeReferences(ids),
    },
    Node: {
      __resolveType: (reference) => reference.__typename,
    },
    SearchResult: {
      __resolveType: (reference) => reference.__typename,
    },
  };
}
