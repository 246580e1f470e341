import databaseSetup from './global-setup.ts';
import { startRedisCluster } from './redis-cluster.ts';

/**
 * The global set-up of `pnpm test:cluster`: a Redis Cluster of the run's own (3 primaries and 3 replicas from the
 * machine's redis-server, see redis-cluster.ts), named to every test through REDIS_URL and REDIS_CLUSTER_NODES
 * (the test workers start after this and inherit them), and the run's template databases as for any run. Both
 * are removed at the end, whether the tests passed or not.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  try {
    process.env['REDIS_URL'] = cluster.url;
    process.env['REDIS_CLUSTER_NODES'] = cluster.nodes.join(',');
    const teardownDatabases = await databaseSetup();
    return async () => {
      try {
        await teardownDatabases();
      } finally {
        await cluster.stop();
      }
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
