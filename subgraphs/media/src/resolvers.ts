import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';
import { checkPageSize, dateTimeScalar, decodeCursor, isUuid } from '@curbside/subgraph-kit';
import type { Logger } from '@curbside/service';
import type { Resolvers } from './generated/resolvers.ts';
import { createUpload, deleteMedia, publicStatus, urlOf, type MediaLinks } from './media.ts';
import type { MediaStorage } from './storage.ts';

/** Any JSON value, passed through as it is (uploadHeaders is an object of header names to values). */
const jsonScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

export interface ResolverDeps {
  links: MediaLinks;
  storage: MediaStorage;
  logger: Logger;
}

export function makeResolvers(deps: ResolverDeps): Resolvers {
  const { links } = deps;
  return {
    DateTime: dateTimeScalar,
    JSON: jsonScalar,
    Query: {
      media: (_root, { id }, { loaders }) => (isUuid(id) ? loaders.mediaById.load(id.toLowerCase()) : null),
    },
    Mutation: {
      createUpload: (_root, { input }, { em, viewer }) => createUpload(em, links, viewer, input),
      deleteMedia: async (_root, { id }, { em, viewer, loaders, logger }) => {
        const deleted = await deleteMedia(em, deps.storage, logger, viewer, id);
        loaders.mediaById.clear(deleted);
        loaders.mediaPages.clearAll();
        return deleted;
      },
    },
    Media: {
      __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.mediaById.load(id.toLowerCase()) : null),
      owner: (media) => ({ id: media.ownerId }),
      status: (media) => publicStatus(media),
      url: (media) => urlOf(links, media),
      width: (media) => media.width ?? null,
      height: (media) => media.height ?? null,
    },
    User: {
      __resolveReference: ({ id }) => ({ id }),
      /** Everything for the user themself and admins; READY media only for anyone else. */
      media: async (user, args, { loaders, viewer }) => {
        const first = checkPageSize(args.first);
        const after = args.after ? decodeCursor(args.after) : null;
        if (!isUuid(user.id)) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const userId = user.id.toLowerCase();
        const readyOnly = viewer?.userId !== userId && viewer?.role !== 'ADMIN';
        const connection = await loaders.mediaPages.load({ userId, first, after, readyOnly });
        for (const { node } of connection.edges) loaders.mediaById.prime(node.id, node);
        return connection;
      },
    },
  };
}
