import { defineEventHandler } from '@curbside/event-bus';
import type { SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { applyFollowEvent } from './follow-copy.ts';
import { migrations } from './migrations/index.ts';

/** The post subgraph's background work, run by the workers deployable: the feed's copy of who follows whom. */
export const postWorkerModule: SubgraphWorkerModule = {
  subgraph: 'post',
  entities,
  migrations,
  handlers: ({ orm }) => [
    defineEventHandler({ queue: 'post.follow-copy', handle: (event) => applyFollowEvent(orm.em.fork(), event) }),
  ],
};
