export { createSearchSubgraph, typeDefs } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { searchWorkerModule } from './worker-module.ts';
export { applySearchEvent, applySearchEvents, rebuildSearchIndex, type SearchEvent } from './indexing.ts';
export { readOwnerEvents } from './owner-events.ts';
