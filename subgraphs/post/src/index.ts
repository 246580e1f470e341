export { createPostSubgraph, typeDefs } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { postWorkerModule } from './worker.ts';
