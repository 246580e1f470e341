export { createLocationSubgraph, ensureGeoIndex, typeDefs, type LocationSubgraphOptions } from './subgraph.ts';
export { geoKeys } from './geo-index.ts';
export {
  historyPruningDefaults,
  pruneLocationHistory,
  startHistoryPruning,
  type HistoryPruning,
  type HistoryPruningSettings,
} from './history-pruning.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
