export { createUserSubgraph, typeDefs, type UserSubgraph, type UserSubgraphDeps } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { grantAdmin } from './admin.ts';
