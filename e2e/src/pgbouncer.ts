/**
 * A PgBouncer of a test's own, in transaction pooling, in front of the machine's PostgreSQL: its own config, auth
 * file and port in a temporary folder. Debian's `pgbouncer` package provides the binary (`apt-get install -y
 * pgbouncer`; CI installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { reservePort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface PgBouncer {
  /** The URL of `database` through this PgBouncer. */
  url(database: string): string;
  /** Runs one statement on PgBouncer's admin console (`SHOW POOLS`, `SHOW CLIENTS`, ...). */
  admin<Row extends Record<string, unknown>>(command: string): Promise<Row[]>;
  /** What PgBouncer logged, for a failing test to show. */
  output: string[];
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it. */
  serverUrl: string;
  /**
   * Server connections per database and user: fewer than a stack's clients of one database (a subgraph's pool
   * and the workers'), so that transactions of different clients share server connections. Default 3.
   */
  serverPoolSize?: number;
}

/** The binary of Debian's package; `PGBOUNCER` names another. */
const pgbouncerBinary = process.env['PGBOUNCER'] ?? '/usr/sbin/pgbouncer';

/** Starts a PgBouncer in transaction pooling; resolves once it accepts connections. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(options.serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const dir = await mkdtemp(join(tmpdir(), 'curbside-pgbouncer-'));
  // PgBouncer refuses to run as root: as root (CI containers), it drops to `nobody`, which must read its files.
  const asRoot = process.getuid?.() === 0;
  await chmod(dir, 0o755);
  const authFile = join(dir, 'userlist.txt');
  await writeFile(authFile, `"${user}" "${decodeURIComponent(server.password)}"\n`, { mode: 0o644 });
  const reserved = await reservePort();
  const port = reserved.port;
  const config = join(dir, 'pgbouncer.ini');
  await writeFile(
    config,
    [
      '[databases]',
      // Every database name a client asks for, on the same server: the stack's databases are created per test.
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'pool_mode = transaction',
      `default_pool_size = ${options.serverPoolSize ?? 3}`,
      'max_client_conn = 1000',
      // The machine's PostgreSQL trusts loopback connections; the auth file still names who may connect.
      'auth_type = trust',
      `auth_file = ${authFile}`,
      `admin_users = ${user}`,
      // node-postgres sends none of these today; listed so that a driver update cannot make every connection fail.
      'ignore_startup_parameters = extra_float_digits,options',
      // A waiting client fails in 10 s rather than PgBouncer's 120 s, well within a test's timeout.
      'query_wait_timeout = 10',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  await reserved.release();
  const child: ChildProcess = spawn(pgbouncerBinary, [...(asRoot ? ['-u', 'nobody'] : []), config], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));

  const url = (database: string) => {
    const through = new URL(options.serverUrl);
    through.hostname = '127.0.0.1';
    through.port = String(port);
    through.pathname = `/${database}`;
    return through.toString();
  };
  const admin = async <Row extends Record<string, unknown>>(command: string): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: url('pgbouncer') });
    await client.connect();
    try {
      // The admin console speaks only the simple query protocol: no parameters.
      return (await client.query<Row>(command)).rows;
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // immediate shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'PgBouncer to accept connections',
      async () => {
        if (failed) throw failed;
        if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}:\n${output.join('\n')}`);
        const client = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 1_000 });
        try {
          await client.connect();
          await client.query('select 1');
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      10_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, admin, output, stop };
}
