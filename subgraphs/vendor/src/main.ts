import { makeAccessTokenVerifier, redisAccountBlocklist, remoteKeySet, withAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createVendorSubgraph } from './subgraph.ts';

await runService('vendor-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('vendor-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.VENDOR_DATABASE);
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, connectionName: 'vendor-subgraph' });
  const subgraph = await createVendorSubgraph({
    eventBus: { connection: bullConnection(env.REDIS_URL), prefix: bullPrefix(env.REDIS_KEY_PREFIX) },
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.VENDOR_DATABASE),
    logger,
    verifyAccessToken: withAccountBlocklist(
      makeAccessTokenVerifier(remoteKeySet(env.JWKS_URL)),
      redisAccountBlocklist(redis),
      (error) => logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
    ),
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'vendor subgraph ready');
  return { logger, stop: () => subgraph.close().finally(() => closeRedis(redis)) };
});
