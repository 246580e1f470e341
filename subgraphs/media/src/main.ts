import { makeAccessTokenVerifier, redisAccountBlocklist, remoteKeySet, withAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createMediaSubgraph } from './subgraph.ts';

await runService('media-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('media-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.MEDIA_DATABASE);
  // Only for the account blocklist: files live in MEDIA_DIR and rows in PostgreSQL.
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, connectionName: 'media-subgraph' });
  const subgraph = await createMediaSubgraph({
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.MEDIA_DATABASE),
    logger,
    eventBus: { connection: bullConnection(env.REDIS_URL), prefix: bullPrefix(env.REDIS_KEY_PREFIX) },
    verifyAccessToken: withAccountBlocklist(
      makeAccessTokenVerifier(remoteKeySet(env.JWKS_URL)),
      redisAccountBlocklist(redis),
      (error) => logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
    ),
    mediaDir: env.MEDIA_DIR,
    publicBaseUrl: env.MEDIA_PUBLIC_URL,
    uploadSigningSecret: env.MEDIA_SIGNING_SECRET,
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url, mediaDir: env.MEDIA_DIR }, 'media subgraph ready');
  return { logger, stop: () => subgraph.close().finally(() => closeRedis(redis)) };
});
