export { createSearchSubgraph, typeDefs } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { searchWorkerModule } from './worker-module.ts';
export {
  applySearchEvent,
  applySearchEvents,
  rebuildSearchIndex,
  type OwnerSnapshot,
  type SearchEvent,
} from './indexing.ts';
export { readOwnerExports, type OwnerEndpoints, type ReadOwnerExportsOptions } from './owner-exports.ts';
