import { resolve } from 'node:path';
import { bullConnection, bullPrefix, closeBullConnection } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, createServiceMetrics, loadMetricsAccess, runService } from '@curbside/service';
import { mediaStoreConfigOf } from '@curbside/media-subgraph';
import { loadAll, makeLivePubSub } from '@curbside/subgraph-kit';
import { startTracing } from '@curbside/tracing';
import { loadEnv } from './env.ts';
import { startWorkersProbe } from './probe.ts';
import { workerModules } from './modules.ts';
import { createWorkers } from './workers.ts';

await runService('workers', async () => {
  // Every problem of the environment reported at once, the metrics token's with the others.
  const [env, metricsAccess] = loadAll(
    () =>
      loadEnv(
        process.env,
        workerModules.map((module) => module.subgraph),
      ),
    () => loadMetricsAccess(process.env),
  );
  const metrics = createServiceMetrics();
  const logger = createLogger('workers', env.LOG_LEVEL);
  // Before any client exists: each job then continues the trace of the request that caused it, with its queries.
  const tracing = startTracing('workers');
  // The probe first: /health answers while the workers start (they wait for the subgraphs' migrations).
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  const probe = await startWorkersProbe({
    port: env.PORT,
    host: env.HOST,
    check: async () => {
      if (phase !== 'running') return { ready: false, reason: phase };
      await redis.ping();
      return { ready: true };
    },
    metrics: { metrics, access: metricsAccess },
  });
  const redis = createRedis({
    url: env.REDIS_URL,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    keyPrefix: env.REDIS_KEY_PREFIX,
    connectionName: 'workers',
    onConnectionLost: (error) => {
      metrics.redisErrors.inc({ client: 'redis' });
      logger.warn({ err: error }, 'lost Redis; reconnecting');
    },
  });
  const pubsub = makeLivePubSub({
    url: env.REDIS_URL,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    keyPrefix: env.REDIS_KEY_PREFIX,
    connectionName: 'workers:live',
    logger,
  });
  const eventBus = {
    connection: bullConnection(env.REDIS_URL, env.REDIS_CLUSTER_NODES),
    prefix: bullPrefix(env.REDIS_KEY_PREFIX),
  };
  const closeRedisClients = () =>
    pubsub
      .close()
      .finally(() => closeBullConnection(eventBus.connection))
      .finally(() => closeRedis(redis))
      .finally(() => tracing.shutdown());
  try {
    const workers = await createWorkers({
      databaseUrls: Object.fromEntries(
        workerModules.map((module) => [module.subgraph, env.databaseUrlOf(module.subgraph)]),
      ),
      databasePoolSize: env.DATABASE_POOL_SIZE,
      eventBus,
      redis,
      pubsub,
      logger,
      mediaStore: mediaStoreConfigOf(env, resolve(env.MEDIA_DIR)),
      metrics,
    });
    phase = 'running';
    logger.info({ queues: workers.queues, probe: probe.port }, 'workers ready');
    return {
      logger,
      stop: () => {
        phase = 'stopping';
        return workers
          .close()
          .finally(closeRedisClients)
          .finally(() => probe.close());
      },
    };
  } catch (error) {
    await closeRedisClients();
    await probe.close();
    throw error;
  }
});
