import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createUserSubgraph } from './subgraph.ts';

await runService('user-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('user-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.USER_DATABASE);
  const subgraph = await createUserSubgraph({
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.USER_DATABASE),
    logger,
    signingKey: env.AUTH_SIGNING_KEY,
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'user subgraph ready');
  return { logger, stop: () => subgraph.close() };
});
