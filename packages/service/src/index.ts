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
