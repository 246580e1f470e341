import { makeAccessTokenVerifier, redisAccountBlocklist, remoteKeySet, withAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createLocationSubgraph } from './subgraph.ts';

await runService('location-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('location-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.LOCATION_DATABASE);
  const redis = createRedis({
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    connectionName: 'location-subgraph',
  });
  const subgraph = await createLocationSubgraph({
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.LOCATION_DATABASE),
    logger,
    redis,
    eventBus: { connection: bullConnection(env.REDIS_URL), prefix: bullPrefix(env.REDIS_KEY_PREFIX) },
    verifyAccessToken: withAccountBlocklist(
      makeAccessTokenVerifier(remoteKeySet(env.JWKS_URL)),
      redisAccountBlocklist(redis),
      (error) => logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
    ),
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'location subgraph ready');
  return { logger, stop: () => subgraph.close().finally(() => closeRedis(redis)) };
});
