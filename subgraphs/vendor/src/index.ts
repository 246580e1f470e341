export { createVendorSubgraph, typeDefs, type VendorSubgraphOptions } from './subgraph.ts';
export { entities, Vendor, type VendorEntity } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { vendorWorkerModule } from './worker.ts';
