export { createMediaSubgraph, typeDefs, type MediaSubgraphOptions } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { mediaWorkerModule, unfinishedUploadsSchedule } from './worker.ts';
