export { createMediaSubgraph, typeDefs, type MediaSubgraphDeps } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { mediaWorkerModule, unfinishedUploadsSchedule } from './worker.ts';
