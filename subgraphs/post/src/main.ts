import { makeAccessTokenVerifier, redisAccountBlocklist, remoteKeySet, withAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createPostSubgraph } from './subgraph.ts';

await runService('post-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('post-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.POST_DATABASE);
  // Only the account blocklist reads it; the event queues have their own BullMQ connections.
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, connectionName: 'post-subgraph' });
  const subgraph = await createPostSubgraph({
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.POST_DATABASE),
    logger,
    eventBus: { connection: bullConnection(env.REDIS_URL), prefix: bullPrefix(env.REDIS_KEY_PREFIX) },
    verifyAccessToken: withAccountBlocklist(
      makeAccessTokenVerifier(remoteKeySet(env.JWKS_URL)),
      redisAccountBlocklist(redis),
      (error) => logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
    ),
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'post subgraph ready');
  return { logger, stop: () => subgraph.close().finally(() => closeRedis(redis)) };
});
