export { createMediaSubgraph, typeDefs, type MediaSubgraphOptions } from './subgraph.ts';
export { entities } from './entities.ts';
export { migrations } from './migrations/index.ts';
export { mediaWorkerModule, unfinishedUploadsSchedule } from './worker.ts';
export { checkMediaStoreEnv, makeMediaStorage, mediaStoreConfigOf, mediaStoreEnvShape } from './media-store.ts';
export { s3Storage, type S3StorageOptions } from './s3-storage.ts';
export { localFileStorage, mediaKeys, type MediaStorage, type MediaStore } from './storage.ts';
