export {
  createSubgraphServer,
  connectionInitWaitTimeout,
  maxWebSocketMessageBytes,
  replayOf,
  type BaseRequestContext,
  type Route,
  type SubgraphServer,
} from './server.ts';
export {
  confirmed,
  isSharedUpstream,
  liveEvents,
  liveEventsOfAll,
  liveHistoryRetentionMs,
  makeLivePubSub,
  publishCommitted,
  refuseReplay,
  type LivePubSub,
  type LiveReplay,
  type LiveTopic,
  type SubscribeMode,
} from './live.ts';
export { LiveResults, subscribedEntityGone, type LiveResultsOptions } from './live-results.ts';
export { openOrm, migrateDatabase, defaultPoolSize, migrationLockKey, type OpenOrmOptions, type Orm } from './orm.ts';
export {
  loadDatabaseSettings,
  loadSubgraphDatabaseVariables,
  poolSizeSchema,
  subgraphDatabase,
  type DatabaseSettings,
  type SubgraphDatabase,
  type SubgraphDatabaseVariables,
} from './database-env.ts';
export { ensureDatabase, databaseUrl, dropDatabasesWithPrefix, defaultPostgresUrl } from './database.ts';
export {
  OutboxEvent,
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
  outboxNotifySql,
  outboxSentIndexSql,
  outboxTraceparentSql,
  outboxTableSql,
  recordEvent,
  type OutboxEventEntity,
} from './outbox.ts';
export {
  checkPageSize,
  decodeCursor,
  emptyConnection,
  encodeCursor,
  exportPage,
  forwardPageInfo,
  toConnection,
  maxPageSize,
  maxCursorLength,
  type Connection,
  type Cursor,
  type PageInfo,
} from './pagination.ts';
export {
  globalIdOf,
  maxGlobalIdLength,
  maxNodeIds,
  nodeTypes,
  parseGlobalId,
  referenceId,
  type NodeReference,
  type NodeType,
} from './global-id.ts';
export { makeErrorFormatter } from './errors.ts';
export { dateTimeScalar } from './scalars.ts';
export { checkId, isUuid, requireOwnerOrAdmin, requireViewer } from './guards.ts';
export {
  checkLength,
  checkLengths,
  quoted,
  quotedInputLength,
  trimmedLengthSlack,
  type LengthCheck,
  type LengthLimit,
} from './input.ts';
export { selectsPath } from './lookahead.ts';
export {
  admitsCall,
  gatewayOnlyMessage,
  trustsAsGateway,
  isOpenPath,
  loadAll,
  loadSubgraphAccess,
  type SubgraphAccess,
} from './gateway-access.ts';
export { runSubgraph, type SubgraphProcessEnv } from './process.ts';
export { withOrderedShutdown, type Stoppable } from './lifecycle.ts';
export {
  defineSubgraph,
  type NoOptions,
  type SubgraphDefinition,
  type SubgraphDeps,
  type SubgraphParts,
} from './define.ts';
export { subgraphSchema, type SubgraphResolverMap } from './schema.ts';
export type { MediaStoreConfig, ScheduledJob, SubgraphWorkerModule, WorkerDeps } from './worker-module.ts';
export {
  outboxSampleBound,
  outboxSampleIntervalMs,
  requestMetricsPlugin,
  startOutboxSampler,
  watchOrmPool,
} from './metrics.ts';
export { metricsRoute } from './server.ts';
