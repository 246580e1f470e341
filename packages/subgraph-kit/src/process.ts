import { makeAccessTokenCheck, redisAccountBlocklist, remoteKeySet } from '@curbside/auth';
import { bullConnection, bullPrefix, closeBullConnection } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, createServiceMetrics, loadMetricsAccess, runService } from '@curbside/service';
import { startTracing } from '@curbside/tracing';
import { ensureDatabase } from './database.ts';
import { loadDatabaseSettings, subgraphDatabase } from './database-env.ts';
import { loadAll, loadSubgraphAccess } from './gateway-access.ts';
import type { SubgraphDeps } from './define.ts';
import { makeLivePubSub } from './live.ts';
import type { SubgraphServer } from './server.ts';
import { startStartupProbe } from './startup-probe.ts';

/** The variables every subgraph process reads (each env.ts adds its own). */
export interface SubgraphProcessEnv {
  PORT: number;
  HOST: string;
  /** The server of the subgraph's database when `<NAME>_DATABASE_URL` is unset (see `subgraphDatabase`). */
  POSTGRES_URL: string;
  /** Where the token keys are published; absent only for the user subgraph, which issues them. */
  JWKS_URL?: string | undefined;
  REDIS_URL: string;
  /** Redis Cluster seed nodes (`REDIS_CLUSTER_NODES`); none: the single server of REDIS_URL. */
  REDIS_CLUSTER_NODES?: readonly string[] | undefined;
  REDIS_KEY_PREFIX: string;
  LOG_LEVEL: string;
}

/**
 * The whole life of a subgraph process, the same for every subgraph: read and check the environment (its
 * own variables, and GATEWAY_SECRET and the database variables, which every subgraph reads alike: problems of
 * all reported together), in development create its database if missing (production waits for `pnpm migrate`,
 * unready with the reason), connect Redis and the live pub/sub, build the subgraph with `create`, listen, and
 * on SIGTERM close the subgraph (its sockets first), then the pub/sub, then Redis. Only entry files call this.
 */
export function runSubgraph<Env extends SubgraphProcessEnv, Options>(options: {
  name: string;
  loadEnv: (source: NodeJS.ProcessEnv) => Env;
  /** The name of its database, from the environment. */
  database: (env: Env) => string;
  /** The subgraph's factory, from `defineSubgraph`. */
  create: (deps: SubgraphDeps<Options>) => Promise<SubgraphServer>;
  /** The subgraph's own settings, from the environment (`() => ({})` for none). */
  options: (env: Env) => Options;
}): Promise<void> {
  const service = `${options.name}-subgraph`;
  return runService(service, async (stopRequested) => {
    const [env, access, databaseSettings, metricsAccess] = loadAll(
      () => options.loadEnv(process.env),
      () => loadSubgraphAccess(process.env),
      () => loadDatabaseSettings(options.name, process.env),
      () => loadMetricsAccess(process.env),
    );
    const metrics = createServiceMetrics();
    const logger = createLogger(service, env.LOG_LEVEL);
    const database = subgraphDatabase(databaseSettings, {
      serverUrl: env.POSTGRES_URL,
      database: options.database(env),
    });
    const { production } = databaseSettings;
    // Production never creates a database (its role needs no CREATEDB, and a pooler has no `postgres` to
    // create it from): `pnpm migrate` runs against databases made beforehand.
    if (database.server && !production) await ensureDatabase(database.server.url, database.server.database);
    // In production the subgraph waits for its migrations; meanwhile its port answers /health and an unready
    // /ready with the reason, and the subgraph takes the port over once it is built.
    const probe = production
      ? await startStartupProbe({ service, port: env.PORT, host: env.HOST, reason: 'starting' })
      : undefined;
    const onStartupWait = (reason: string) => {
      logger.warn({ reason }, 'waiting before serving');
      probe?.report(reason);
    };
    const tracing = startTracing(service);
    const redis = createRedis({
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES,
      keyPrefix: env.REDIS_KEY_PREFIX,
      connectionName: service,
      onConnectionLost: (error) => {
        metrics.redisErrors.inc({ client: 'redis' });
        logger.warn({ err: error }, 'lost Redis; reconnecting');
      },
    });
    const accountBlocklist = redisAccountBlocklist(redis);
    const pubsub = makeLivePubSub({
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES,
      keyPrefix: env.REDIS_KEY_PREFIX,
      connectionName: `${service}:live`,
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
        .finally(() => closeRedis(redis));
    try {
      const subgraph = await options.create({
        databaseUrl: database.url,
        directDatabaseUrl: database.directUrl,
        databasePoolSize: databaseSettings.poolSize,
        outboxRetentionMs: databaseSettings.outboxRetentionMs,
        migrations: production ? 'await' : 'apply',
        onStartupWait,
        startupSignal: stopRequested,
        logger,
        redis,
        accountBlocklist,
        verifyAccessToken: env.JWKS_URL
          ? makeAccessTokenCheck({
              keys: remoteKeySet(env.JWKS_URL),
              blocklist: accountBlocklist,
              onBlocklistUnavailable: (error) =>
                logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
            })
          : () => Promise.reject(new Error(`${service} has no JWKS_URL to verify tokens with`)),
        eventBus,
        pubsub,
        options: options.options(env),
        metrics: { metrics, access: metricsAccess },
      });
      await probe?.close();
      const url = await subgraph.listen(probe?.port ?? env.PORT, env.HOST, access);
      logger.info({ url, gatewayOnly: Boolean(access.gatewaySecret) }, `${options.name} subgraph ready`);
      return {
        logger,
        stop: () =>
          subgraph
            .close()
            .finally(closeRedisClients)
            .finally(() => tracing.shutdown()),
      };
    } catch (error) {
      await probe?.close();
      await closeRedisClients();
      throw error;
    }
  });
}
