import { connect } from 'node:net';
import pg from 'pg';
import { defaultPostgresUrl } from '@curbside/subgraph-kit';

export const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

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

/** Sends a raw PING: enough to know Redis answers, without a client library. */
function redisProblem(): Promise<string | null> {
  const url = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const fail = (reason: string) => {
      socket.destroy();
      resolve(`Redis at ${redisUrl} is unreachable (${reason})`);
    };
    socket.setTimeout(3_000, () => fail('timed out'));
    socket.once('error', (error) => fail(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(
        data.toString().startsWith('+PONG')
          ? null
          : `Redis at ${redisUrl} answered ${JSON.stringify(data.toString().trim())}`,
      );
    });
  });
}

/** Every problem with the backing services, or an empty list. */
export async function backingServiceProblems(): Promise<string[]> {
  const problems = await Promise.all([postgresProblem(), redisProblem()]);
  return problems.filter((problem): problem is string => problem !== null);
}
