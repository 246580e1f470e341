import { makeAccessTokenVerifier, remoteKeySet } from '@curbside/auth';
import { createLogger, runService } from '@curbside/service';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { createVendorSubgraph } from './subgraph.ts';

await runService('vendor-subgraph', async () => {
  const env = loadEnv(process.env);
  const logger = createLogger('vendor-subgraph', env.LOG_LEVEL);
  await ensureDatabase(env.POSTGRES_URL, env.VENDOR_DATABASE);
  const subgraph = await createVendorSubgraph({
    databaseUrl: databaseUrl(env.POSTGRES_URL, env.VENDOR_DATABASE),
    logger,
    verifyAccessToken: makeAccessTokenVerifier(remoteKeySet(env.JWKS_URL)),
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, 'vendor subgraph ready');
  return { logger, stop: () => subgraph.close() };
});
