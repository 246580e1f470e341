import type { Resolvers } from './generated/resolvers.ts';
import { searchDocuments } from './search.ts';

export function makeResolvers(): Resolvers {
  return {
    Query: {
      search: (_root, args, { em }) => searchDocuments(em, args),
    },
    SearchResult: {
      __resolveType: (reference) => reference.__typename,
    },
  };
}
