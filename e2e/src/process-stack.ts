/**
 * The whole stack as real processes, as deployed: the five subgraphs and N gateways, each its own Node
 * process started from its entry file, on this run's own databases and Redis prefix.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { dropDatabasesLater } from './database.ts';
import { startProcess, stopProcess, type ServiceProcess } from './processes.ts';
import { postgresUrl, redisUrl, subgraphNames, testDatabasePrefix, type SubgraphName } from './stack.ts';
import { templateDatabase } from './templates.ts';

export interface ProcessStack {
  /** The first gateway's URL, for setup requests. */
  gatewayUrl: string;
  gateways: ServiceProcess[];
  subgraphs: Record<SubgraphName, ServiceProcess>;
  /** The workers deployable's process, when `workers` was asked for. */
  workers: ServiceProcess | undefined;
  databases: Record<SubgraphName, string>;
  redisKeyPrefix: string;
  /** kill -9 a subgraph, or start it again on the same port (resolves once it is ready). */
  killSubgraph(name: SubgraphName): Promise<void>;
  restartSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Waits for every start, not just until the first failure (as `Promise.all` would): a process still starting
 * when a sibling failed would otherwise become ready after the stack gave up on it, and outlive the test run.
 */
async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

export async function startProcessStack(options: {
  gateways: number;
  /** Extra environment of the gateways (timeouts, limits). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment of every process (tracing). */
  env?: Record<string, string>;
  /** Start the workers deployable too (after the subgraphs, which migrate its databases). Default false. */
  workers?: boolean;
}): Promise<ProcessStack> {
  const id = randomBytes(3).toString('hex');
  const redisKeyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:`;
  const mediaDir = await mkdtemp(join(tmpdir(), `curbside-media-${id}-`));
  const databaseNames = Object.fromEntries(
    subgraphNames.map((name) => [name, `${testDatabasePrefix()}${id}_${name}`]),
  ) as Record<SubgraphName, string>;
  // Copies of the run's migrated templates when there are some (see templates.ts); otherwise each process
  // creates and migrates its own database as in production.
  await Promise.all(
    subgraphNames.map((name) =>
      ensureDatabase(postgresUrl, databaseNames[name], { template: templateDatabase(testDatabasePrefix(), name) }),
    ),
  );
  const shared = { POSTGRES_URL: postgresUrl, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisKeyPrefix, ...options.env };
  const started: ServiceProcess[] = [];
  const start = async (entry: string, env: Record<string, string>, readyLine?: RegExp) => {
    const service = await startProcess(entry, { ...shared, ...env }, readyLine);
    started.push(service);
    return service;
  };
  const databaseEnv = (name: SubgraphName) => ({ [`${name.toUpperCase()}_DATABASE`]: databaseNames[name] });
  try {
    const user = await start('subgraphs/user/src/main.ts', databaseEnv('user'));
    const jwksUrl = new URL('/.well-known/jwks.json', user.url).toString();
    const subgraphEnv = (name: SubgraphName): Record<string, string> => ({
      ...databaseEnv(name),
      JWKS_URL: jwksUrl,
      ...(name === 'media' ? { MEDIA_DIR: mediaDir, MEDIA_PUBLIC_URL: 'http://127.0.0.1:1/media' } : {}),
      // Tests and benchmarks create vendors more freely than people do, as they call more than budgets allow.
      ...(name === 'vendor' ? { MAX_VENDORS_PER_OWNER: String(Number.MAX_SAFE_INTEGER) } : {}),
    });
    const others = await allStarted(
      subgraphNames
        .filter((name) => name !== 'user')
        .map(async (name) => [name, await start(`subgraphs/${name}/src/main.ts`, subgraphEnv(name))] as const),
    );
    const subgraphs = { user, ...Object.fromEntries(others) } as Record<SubgraphName, ServiceProcess>;
    const workers = options.workers
      ? await start(
          'workers/src/main.ts',
          {
            ...Object.fromEntries(subgraphNames.flatMap((name) => Object.entries(databaseEnv(name)))),
            MEDIA_DIR: mediaDir,
          },
          /workers ready/,
        )
      : undefined;
    const subgraphUrlEnv = Object.fromEntries(
      subgraphNames.map((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, subgraphs[name].url]),
    );
    const gateways = await allStarted(
      Array.from({ length: options.gateways }, () =>
        start('gateway/src/main.ts', {
          ...subgraphUrlEnv,
          JWKS_URL: jwksUrl,
          // Tests call far more often than people do: budgets only where a test sets them.
          RATE_LIMIT_USER_COST: String(Number.MAX_SAFE_INTEGER),
          RATE_LIMIT_ANONYMOUS_COST: String(Number.MAX_SAFE_INTEGER),
          RATE_LIMIT_AUTH_ATTEMPTS: String(Number.MAX_SAFE_INTEGER),
          ...options.gatewayEnv,
        }),
      ),
    );
    return {
      gatewayUrl: gateways[0]!.url,
      gateways,
      subgraphs,
      workers,
      databases: Object.fromEntries(
        subgraphNames.map((name) => [name, databaseUrl(postgresUrl, databaseNames[name])]),
      ) as Record<SubgraphName, string>,
      redisKeyPrefix,
      async killSubgraph(name) {
        await stopProcess(subgraphs[name], 'SIGKILL');
      },
      async restartSubgraph(name) {
        const port = new URL(subgraphs[name].url).port;
        subgraphs[name] = await start(`subgraphs/${name}/src/main.ts`, { ...subgraphEnv(name), PORT: port });
      },
      async stop() {
        // Gateways first, so no client request reaches a subgraph that is already gone.
        for (const gateway of gateways) await stopProcess(gateway);
        await Promise.all(
          [...Object.values(subgraphs), ...(workers ? [workers] : [])].map((service) => stopProcess(service)),
        );
        await rm(mediaDir, { recursive: true, force: true });
        // Dropped in the background (the run's teardown drops what is left).
        dropDatabasesLater(databaseUrl(postgresUrl, 'postgres'), Object.values(databaseNames));
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => stopProcess(service, 'SIGKILL')));
    await rm(mediaDir, { recursive: true, force: true });
    throw error;
  }
}
