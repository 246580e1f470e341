import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';
import { forbidden } from '@curbside/errors';
import {
  checkId,
  checkPageSize,
  dateTimeScalar,
  decodeCursor,
  isSharedUpstream,
  isUuid,
  publishCommitted,
  requireViewer,
  subscribedEntityGone,
  type LivePubSub,
  liveEvents,
  emptyConnection,
  globalIdOf,
  referenceId,
} from '@curbside/subgraph-kit';
import type { RequestContext } from './context.ts';
import type { MediaEntity } from './entities.ts';
import type { Logger } from '@curbside/service';
import type { Resolvers } from './generated/resolvers.ts';
import { createUpload, deleteMedia, publicStatus, thumbnailUrlOf, urlOf, type MediaLinks } from './media.ts';
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
  /** Where media changes are published (`media.status`) and subscribed to. */
  pubsub: LivePubSub;
}

/** The media, read now with this event's own loaders; NOT_FOUND (ending the stream) once it is deleted. */
async function currentMedia(mediaId: string, { loaders }: RequestContext): Promise<MediaEntity> {
  const media = await loaders.mediaById.load(mediaId);
  if (!media) throw subscribedEntityGone(`Media ${mediaId}`);
  return media;
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
        const { mediaId, ownerId } = await deleteMedia(em, deps.storage, logger, viewer, id);
        loaders.mediaById.clear(mediaId);
        loaders.mediaPages.clearAll();
        // Committed: the owner's subscription then gets NOT_FOUND, and its stream ends.
        await publishCommitted(deps.pubsub, logger, 'media.status', mediaId, { mediaId, ownerId });
        return mediaId;
      },
    },
    Subscription: {
      mediaStatusChanged: {
        // Owner only, decided here once per viewer: events carry no data another user could see. The gateway's
        // shared upstream (no viewer) skips the owner rule: it asked this rule of each viewer it serves.
        subscribe: async (_root, { mediaId }, context) => {
          const viewer = isSharedUpstream(context) ? null : requireViewer(context.viewer);
          const id = checkId(mediaId, 'mediaId');
          const media = await context.loaders.mediaById.load(id);
          if (!media) throw subscribedEntityGone(`Media ${id}`);
          if (viewer && media.ownerId !== viewer.userId) throw forbidden('Only the owner may follow this media.');
          return liveEvents(deps.pubsub, context, 'media.status', id);
        },
        resolve: (event: { mediaId: string }, _args: unknown, context: RequestContext) =>
          currentMedia(event.mediaId, context),
      },
    },
    Media: {
      __resolveReference: (reference, { loaders }) => {
        const id = referenceId(reference);
        return isUuid(id) ? loaders.mediaById.load(id.toLowerCase()) : null;
      },
      globalId: (media) => globalIdOf('Media', media.id),
      nodeKey: (media) => media.id,
      owner: (media) => ({ id: media.ownerId }),
      status: (media) => publicStatus(media),
      url: (media) => urlOf(links, media),
      thumbnailUrl: (media) => thumbnailUrlOf(links, media),
      failureReason: (media) => media.failureReason ?? null,
      width: (media) => media.width ?? null,
      height: (media) => media.height ?? null,
    },
    User: {
      __resolveReference: ({ id }) => ({ id }),
      /** Everything for the user themself and admins; READY media only for anyone else. */
      media: async (user, args, { loaders, viewer }) => {
        const first = checkPageSize(args.first);
        const after = args.after ? decodeCursor(args.after) : null;
        if (!isUuid(user.id)) return emptyConnection();
        const userId = user.id.toLowerCase();
        const readyOnly = viewer?.userId !== userId && viewer?.role !== 'ADMIN';
        const connection = await loaders.mediaPages.load({ userId, first, after, readyOnly });
        for (const { node } of connection.edges) loaders.mediaById.prime(node.id, node);
        return connection;
      },
    },
  };
}
