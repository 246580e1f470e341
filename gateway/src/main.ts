import { readFileSync } from 'node:fs';
import { makeAccessTokenCheck, redisAccountBlocklist, remoteKeySet } from '@curbside/auth';
import { bullConnection, bullPrefix, closeBullConnection } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { startTracing } from '@curbside/tracing';
import { loadEnv } from './env.ts';
import { createGateway } from './gateway.ts';
import { DocumentManifest } from './persisted-documents.ts';
import { watchSupergraphFile } from './supergraph-file.ts';

process.env['APOLLO_TELEMETRY_DISABLED'] ??= '1'; // since 2.14 the gateway otherwise reports usage to Apollo hourly

await runService('gateway', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('gateway', env.LOG_LEVEL);
  const tracing = startTracing('gateway');
  const redis = createRedis({
    url: env.REDIS_URL,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    keyPrefix: env.REDIS_KEY_PREFIX,
    connectionName: 'gateway',
    onConnectionLost: (error) => logger.warn({ err: error }, 'lost Redis; reconnecting'),
  });
  const accountBlocklist = redisAccountBlocklist(redis);
  const queues = {
    connection: bullConnection(env.REDIS_URL, env.REDIS_CLUSTER_NODES),
    prefix: bullPrefix(env.REDIS_KEY_PREFIX),
  };
  const supergraphSdl = readFileSync(env.SUPERGRAPH_PATH, 'utf8');
  if (env.PERSISTED_DOCUMENTS !== 'off' && !env.PERSISTED_DOCUMENTS_MANIFEST) {
    throw new Error(
      `PERSISTED_DOCUMENTS=${env.PERSISTED_DOCUMENTS} needs PERSISTED_DOCUMENTS_MANIFEST (a manifest path)`,
    );
  }
  const gateway = await createGateway({
    supergraphSdl,
    subgraphUrls: env.subgraphUrls,
    verifyAccessToken: makeAccessTokenCheck({
      keys: remoteKeySet(env.JWKS_URL),
      blocklist: accountBlocklist,
      onBlocklistUnavailable: (error) =>
        logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
      rememberVerified: true,
    }),
    logger,
    production: env.NODE_ENV === 'production',
    corsOrigins: env.CORS_ORIGINS,
    queues,
    redis,
    trustProxy: env.TRUST_PROXY,
    accountBlocklist,
    ...(env.GATEWAY_SECRET ? { gatewaySecret: env.GATEWAY_SECRET } : {}),
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    subgraphFetchPolicy: {
      timeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      shareInFlightQueries: env.SUBGRAPH_SHARE_IN_FLIGHT_QUERIES === 'on',
    },
    shareInFlightOperations: env.SHARE_IN_FLIGHT_OPERATIONS === 'on',
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    drainTimeoutMs: env.DRAIN_TIMEOUT_MS,
    operationLimits: {
      maxTokens: env.OPERATION_MAX_TOKENS,
      maxDepth: env.OPERATION_MAX_DEPTH,
      maxAliases: env.OPERATION_MAX_ALIASES,
      maxRootFields: env.OPERATION_MAX_ROOT_FIELDS,
      maxDirectives: env.OPERATION_MAX_DIRECTIVES,
      maxCost: env.OPERATION_MAX_COST,
    },
    persistedDocuments: {
      mode: env.PERSISTED_DOCUMENTS,
      manifest: env.PERSISTED_DOCUMENTS_MANIFEST ? DocumentManifest.load(env.PERSISTED_DOCUMENTS_MANIFEST) : null,
    },
    rateLimits: {
      userCostPerMinute: env.RATE_LIMIT_USER_COST,
      anonymousCostPerMinute: env.RATE_LIMIT_ANONYMOUS_COST,
      authAttemptsPerIpPerMinute: env.RATE_LIMIT_AUTH_ATTEMPTS,
      authAttemptsPerAccountPerMinute: env.RATE_LIMIT_AUTH_ATTEMPTS,
    },
  });
  const url = await gateway.listen(env.PORT, env.HOST);
  const watcher = watchSupergraphFile({
    path: env.SUPERGRAPH_PATH,
    current: supergraphSdl,
    apply: (sdl) => gateway.reloadSupergraph(sdl),
    logger,
  });
  logger.info({ url, sandbox: env.NODE_ENV === 'production' ? null : url }, 'gateway ready');
  return {
    logger,
    stopTimeoutMs: env.STOP_TIMEOUT_MS,
    stop: () => {
      watcher.stop();
      return gateway
        .close()
        .finally(() => closeBullConnection(queues.connection))
        .finally(() => closeRedis(redis))
        .finally(() => tracing.shutdown());
    },
  };
});
