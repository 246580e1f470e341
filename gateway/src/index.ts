export { createGateway, type Gateway, type GatewayOptions, type GatewayContext } from './gateway.ts';
export { DocumentManifest, sha256, type PersistedDocumentsMode } from './persisted-documents.ts';
export { defaultOperationLimits, type OperationLimits } from './operation-limits.ts';
export { defaultRateLimits, type RateLimits } from './rate-limit.ts';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
