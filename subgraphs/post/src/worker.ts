import { defineEventHandler } from '@curbside/event-bus';
import { publishCommitted, type SubgraphWorkerModule, type WorkerDeps } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { applyFollowEvent } from './follow-copy.ts';
import { migrations } from './migrations/index.ts';
import { removeAccountContent } from './posts.ts';

/** `post.account-cleanup`: a closed account's posts, likes and comments go. */
const accountCleanupHandler = ({ orm, logger, pubsub }: WorkerDeps) =>
  defineEventHandler({
    queue: 'post.account-cleanup',
    async handle(event) {
      const { userId } = event.payload;
      const { deletedPostIds, changedPostIds } = await removeAccountContent(orm.em.fork(), userId);
      // Committed: postUpdated subscribers get the new counts, or NOT_FOUND for a deleted post (as after deletePost).
      for (const postId of [...deletedPostIds, ...changedPostIds]) {
        await publishCommitted(pubsub, logger, 'post.updated', postId, { postId });
      }
      if (deletedPostIds.length + changedPostIds.length > 0) {
        logger.info(
          { userId, posts: deletedPostIds.length, otherPosts: changedPostIds.length },
          'account posts removed',
        );
      }
    },
  });

/**
 * The post subgraph's background work, run by the workers deployable: the feed's copy of who follows whom,
 * and a closed account's posts, likes and comments.
 */
export const postWorkerModule: SubgraphWorkerModule = {
  subgraph: 'post',
  entities,
  migrations,
  handlers: (deps) => [
    defineEventHandler({ queue: 'post.follow-copy', handle: (event) => applyFollowEvent(deps.orm.em.fork(), event) }),
    accountCleanupHandler(deps),
  ],
};
