export { createLogger, type Logger } from './logger.ts';
export {
  parseEnv,
  ConfigError,
  portSchema,
  logLevelSchema,
  redisUrlSchema,
  redisKeyPrefixSchema,
  redisClusterNodesSchema,
} from './env.ts';
export { runService, type RunningService } from './run.ts';
export {
  createServiceMetrics,
  loadMetricsAccess,
  mayReadMetrics,
  reportedQueueStates,
  serveMetrics,
  type MetricsAccess,
  type MetricsEndpoint,
  type ObservedPool,
  type QueueCounts,
  type ServiceMetrics,
} from './metrics.ts';
