import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import pg from 'pg';
import { clusterSeeds, redisTargetFromEnv } from '@curbside/redis';
import { defaultPostgresUrl } from '@curbside/subgraph-kit';

export const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
/** REDIS_URL, and REDIS_CLUSTER_NODES when Redis is a cluster (the services read both alike). */
export const redis = redisTargetFromEnv(process.env);
export const redisUrl = redis.url;

/** What to run when a backing service is down: docker compose, or the project machines' own commands. */
export const howToStart = `Start them with one of:
  docker compose up -d postgres redis
or, on a machine with them installed (as the project machines are):
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
Or point POSTGRES_URL / REDIS_URL at running servers.`;

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${postgresUrl} is unreachable (${(error as Error).message || (error as { code?: string }).code})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Sends one inline command to a Redis node (over TLS for rediss://) and returns its first reply chunk: enough to
 * know it answers, without a client library.
 */
function ask(host: string, port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tls = new URL(redisUrl).protocol === 'rediss:';
    const socket = tls ? connectTls({ host, port, servername: host }) : connect({ host, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(3_000, () => fail(new Error('timed out')));
    socket.once('error', fail);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString());
    });
  });
}

/** PING on one server; on a cluster, CLUSTER INFO on every seed node, each of which must say the cluster is ok. */
async function redisProblem(): Promise<string | null> {
  const nodes = redis.clusterNodes ?? [];
  if (nodes.length === 0) {
    const url = new URL(redisUrl);
    try {
      const reply = await ask(url.hostname, Number(url.port || 6379), 'PING');
      return reply.startsWith('+PONG') ? null : `Redis at ${redisUrl} answered ${JSON.stringify(reply.trim())}`;
    } catch (error) {
      return `Redis at ${redisUrl} is unreachable (${(error as Error).message})`;
    }
  }
  const problems = await Promise.all(
    clusterSeeds(nodes).map(async ({ host, port }) => {
      try {
        const reply = await ask(host, port, 'CLUSTER INFO');
        return reply.includes('cluster_state:ok')
          ? null
          : `Redis Cluster node ${host}:${port} answered ${JSON.stringify(reply.trim().split('\r\n').slice(0, 2).join(' '))}`;
      } catch (error) {
        return `Redis Cluster node ${host}:${port} is unreachable (${(error as Error).message})`;
      }
    }),
  );
  const found = problems.filter((problem): problem is string => problem !== null);
  return found.length > 0 ? found.join('; ') : null;
}

/** Every problem with the backing services, or an empty list. */
export async function backingServiceProblems(): Promise<string[]> {
  const problems = await Promise.all([postgresProblem(), redisProblem()]);
  return problems.filter((problem): problem is string => problem !== null);
}
