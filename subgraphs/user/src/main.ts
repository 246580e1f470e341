import { redisAccountBlocklist } from '@curbside/auth';
import { bullConnection, bullPrefix } from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createUserSubgraph } from './subgraph.ts';

await runService('user-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('user-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.USER_DATABASE);
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, connectionName: 'user-subgraph' });
  const subgraph = await createUserSubgraph({
    eventBus: { connection: bullConnection(env.REDIS_URL), prefix: bullPrefix(env.REDIS_KEY_PREFIX) },
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.USER_DATABASE),
    logger,
    signingKey: env.AUTH_SIGNING_KEY,
    accountBlocklist: redisAccountBlocklist(redis),
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'user subgraph ready');
  return { logger, stop: () => subgraph.close().finally(() => closeRedis(redis)) };
});
