import { defineEventHandler } from '@curbside/event-bus';
import type { SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { applySearchEvent, applySearchEvents } from './indexing.ts';
import { migrations } from './migrations/index.ts';

/** Most events the search.index handler writes in one transaction. */
export const searchIndexBatchSize = 250;

/** The search subgraph's background work: the index kept current from the owners' events. */
export const searchWorkerModule: SubgraphWorkerModule = {
  subgraph: 'search',
  entities,
  migrations,
  handlers: ({ orm }) => [
    defineEventHandler({
      queue: 'search.index',
      handle: (event) => applySearchEvent(orm.em.fork(), event),
      // A burst (a seed, a reindex of an owner, many posts at once) is written a few hundred documents per
      // transaction, in a few multi-row statements, instead of one transaction per document.
      batch: { maxSize: searchIndexBatchSize, handle: (events) => applySearchEvents(orm.em.fork(), events) },
    }),
  ],
};
