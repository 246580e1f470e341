import { defineEventHandler } from '@curbside/event-bus';
import type { SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { applySearchEvent, applySearchEvents } from './indexing.ts';
import { migrations } from './migrations/index.ts';

/**
 * Most events the search.index handler writes in one transaction: 500. A drain is bound by the database (a batch
 * of 250 took 23-58 ms, a fixed part of it per transaction), so fewer, larger transactions drain a backlog faster.
 */
export const searchIndexBatchSize = 500;

/**
 * Jobs of search.index taken at once: 64. BullMQ takes a worker's jobs one by one, a Redis round trip each, until
 * it holds `concurrency` of them, and only then starts the first; at 500 (then twice the batch size, the batched
 * default) a backlog of 500 jobs was all taken, about 0.5 s on a loaded machine, before the first document was
 * written. At 64, jobs are taken while batches are written (each finished job brings the next in the same round
 * trip), and 64 jobs hold about one batch and the start of the next: the relay puts a burst's events into jobs of
 * several (about 10 each when 5,000 posts were created 16 at a time).
 */
export const searchIndexConcurrency = 64;

/** The search subgraph's background work: the index kept current from the owners' events. */
export const searchWorkerModule: SubgraphWorkerModule = {
  subgraph: 'search',
  entities,
  migrations,
  handlers: ({ orm }) => [
    defineEventHandler({
      queue: 'search.index',
      concurrency: searchIndexConcurrency,
      handle: (event) => applySearchEvent(orm.em.fork(), event),
      // A burst (a seed, a reindex of an owner, many posts at once) is written a few hundred documents per
      // transaction, in a few multi-row statements, instead of one transaction per document.
      batch: { maxSize: searchIndexBatchSize, handle: (events) => applySearchEvents(orm.em.fork(), events) },
    }),
  ],
};
