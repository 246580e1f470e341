export { createUserSubgraph, typeDefs, type UserSubgraphOptions } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { accountBlocklistEntries, grantAdmin, restoreAccountBlocklist } from './admin.ts';
export { userWorkerModule } from './worker.ts';
