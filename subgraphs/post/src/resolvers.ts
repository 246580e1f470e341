import { notFound } from '@curbside/errors';
import {
  checkId,
  checkPageSize,
  dateTimeScalar,
  decodeCursor,
  exportPage,
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
import type { Resolvers } from './generated/resolvers.ts';
import { Post, type CommentEntity, type PostRow } from './entities.ts';
import { loadFeedPage, pageKey } from './pages.ts';
import { addComment, createPost, deleteComment, deletePost, likePost, unlikePost, updatePost } from './posts.ts';

/** A mutation changed what these loaders may already hold for the post in this request. */
function forgetPost({ loaders }: RequestContext, postId: string): void {
  loaders.postById.clear(postId);
  loaders.mediaIdsByPostId.clear(postId);
  loaders.likeCountByPostId.clear(postId);
  loaders.viewerHasLikedByPostId.clear(postId);
  loaders.commentCountByPostId.clear(postId);
  loaders.commentsByPost.clearAll();
  loaders.postsByAuthor.clearAll();
  loaders.postsByVendor.clearAll();
}

function fresh(context: RequestContext, post: PostRow): PostRow {
  forgetPost(context, post.id);
  return post;
}

export interface ResolverDeps {
  /** Where post changes are published (`post.updated`, `post.comment`) and subscribed to. */
  pubsub: LivePubSub;
}

/** The post, read now with this event's own loaders; NOT_FOUND (ending the stream) once it is deleted. */
async function currentPost(postId: string, { loaders }: RequestContext): Promise<PostRow> {
  const post = await loaders.postById.load(postId);
  if (!post) throw subscribedEntityGone(`Post ${postId}`);
  return post;
}

export function makeResolvers({ pubsub }: ResolverDeps): Resolvers {
  /** Called once the change committed: the mutation functions return only after their transaction. */
  const postChanged = ({ logger }: RequestContext, postId: string) =>
    publishCommitted(pubsub, logger, 'post.updated', postId, { postId });
  const announced = async (context: RequestContext, post: PostRow) => {
    await postChanged(context, post.id);
    return fresh(context, post);
  };
  return {
    DateTime: dateTimeScalar,
    Query: {
      searchExportPosts: async (_root, args, { em }) => {
        const { where, options } = exportPage(args);
        const posts = await em.find(Post, where, options);
        return posts.map(({ id, authorId, body, createdAt, editedAt }) => ({
          id,
          authorId,
          body,
          updatedAt: editedAt ?? createdAt,
        }));
      },
      post: (_root, { id }, { loaders }) => (isUuid(id) ? loaders.postById.load(id.toLowerCase()) : null),
      feed: async (_root, args, { em, viewer, loaders }) => {
        const { userId } = requireViewer(viewer);
        const first = checkPageSize(args.first);
        const after = args.after ? decodeCursor(args.after) : null;
        const connection = await loadFeedPage(em, { viewerId: userId, first, after });
        // Entity fetches of these posts later in this request (from other subgraphs' fields) then cost no query.
        for (const { node } of connection.edges) loaders.postById.prime(node.id, node);
        return connection;
      },
    },
    Mutation: {
      createPost: async (_root, { input }, context) =>
        fresh(context, await createPost(context.em, context.viewer, input)),
      updatePost: async (_root, { id, input }, context) =>
        announced(context, await updatePost(context.em, context.viewer, id, input)),
      deletePost: async (_root, { id }, context) => {
        const deleted = await deletePost(context.em, context.viewer, id);
        forgetPost(context, deleted);
        await postChanged(context, deleted); // subscribers then get NOT_FOUND, and their stream ends
        return deleted;
      },
      likePost: async (_root, { postId }, context) =>
        announced(context, await likePost(context.em, context.viewer, postId)),
      unlikePost: async (_root, { postId }, context) =>
        announced(context, await unlikePost(context.em, context.viewer, postId)),
      addComment: async (_root, { postId, body }, context) => {
        const comment = await addComment(context.em, context.viewer, postId, body);
        forgetPost(context, comment.postId);
        await publishCommitted(pubsub, context.logger, 'post.comment', comment.postId, {
          commentId: comment.id,
          postId: comment.postId,
        });
        await postChanged(context, comment.postId);
        return comment;
      },
      deleteComment: async (_root, { id }, context) => {
        const deleted = await deleteComment(context.em, context.viewer, id);
        context.loaders.commentById.clear(deleted.commentId);
        forgetPost(context, deleted.postId);
        await postChanged(context, deleted.postId);
        return deleted.commentId;
      },
    },
    Subscription: {
      commentAdded: {
        subscribe: async (_root, { postId }, context) => {
          const id = checkId(postId, 'postId');
          await currentPost(id, context);
          return liveEvents(pubsub, context, 'post.comment', id);
        },
        resolve: async (event: { commentId: string; postId: string }, _args: unknown, context: RequestContext) => {
          const comment: CommentEntity | null = await context.loaders.commentById.load(event.commentId);
          // Deleted before this event was read: this event fails, the stream goes on (unless the post is gone).
          if (!comment) {
            await currentPost(event.postId, context);
            throw notFound(`Comment ${event.commentId}`);
          }
          return comment;
        },
      },
      postUpdated: {
        subscribe: async (_root, { postId }, context) => {
          const id = checkId(postId, 'postId');
          await currentPost(id, context);
          return liveEvents(pubsub, context, 'post.updated', id);
        },
        resolve: (event: { postId: string }, _args: unknown, context: RequestContext) =>
          currentPost(event.postId, context),
      },
    },
    Post: {
      __resolveReference: (reference, { loaders }) => {
        const id = referenceId(reference);
        return isUuid(id) ? loaders.postById.load(id.toLowerCase()) : null;
      },
      globalId: (post) => globalIdOf('Post', post.id),
      nodeKey: (post) => post.id,
      author: (post) => ({ id: post.authorId }),
      vendor: (post) => (post.vendorId ? { id: post.vendorId } : null),
      media: async (post, _args, { loaders }) => (await loaders.mediaIdsByPostId.load(post.id)).map((id) => ({ id })),
      likeCount: (post, _args, { loaders }) => loaders.likeCountByPostId.load(post.id),
      commentCount: (post, _args, { loaders }) => loaders.commentCountByPostId.load(post.id),
      viewerHasLiked: (post, _args, { loaders }) => loaders.viewerHasLikedByPostId.load(post.id),
      comments: (post, args, { loaders }) => loaders.commentsByPost.load(pageKey(post.id, args)),
    },
    Comment: {
      __resolveReference: (reference, { loaders }) => {
        const id = referenceId(reference);
        return isUuid(id) ? loaders.commentById.load(id.toLowerCase()) : null;
      },
      globalId: (comment) => globalIdOf('Comment', comment.id),
      nodeKey: (comment) => comment.id,
      post: async (comment, _args, { loaders }) => {
        // A comment goes with its post (on delete cascade), so a miss is a post deleted during this request.
        const post = await loaders.postById.load(comment.postId);
        if (!post) throw notFound(`Post ${comment.postId}`);
        return post;
      },
      author: (comment) => ({ id: comment.authorId }),
    },
    User: {
      __resolveReference: ({ id }) => ({ id }),
      posts: (user, args, { loaders }) =>
        isUuid(user.id) ? loaders.postsByAuthor.load(pageKey(user.id, args)) : emptyConnection(),
    },
    Vendor: {
      __resolveReference: ({ id }) => ({ id }),
      posts: (vendor, args, { loaders }) =>
        isUuid(vendor.id) ? loaders.postsByVendor.load(pageKey(vendor.id, args)) : emptyConnection(),
    },
  };
}
