import { defineEventHandler } from '@curbside/event-bus';
import type { SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { applySearchEvent } from './indexing.ts';
import { migrations } from './migrations/index.ts';

/** The search subgraph's background work: the index kept current from the owners' events. */
export const searchWorkerModule: SubgraphWorkerModule = {
  subgraph: 'search',
  entities,
  migrations,
  handlers: ({ orm }) => [
    defineEventHandler({
      queue: 'search.index',
      handle: (event) => applySearchEvent(orm.em.fork(), event),
    }),
  ],
};
