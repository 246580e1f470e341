// Why this file is long (about 490 lines): it is test infrastructure, the one place every integration test and
// benchmark starts the whole stack from (databases, Redis prefix, subgraphs, proxies, gateway, workers, clock).
/**
 * Boots the whole stack in-process for tests and benchmarks: each subgraph on its own fresh database
 * and an OS-chosen port, a counting proxy in front of each subgraph, and the gateway on the committed
 * supergraph with the subgraph URLs pointed at the proxies.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ConnectionOptions } from 'bullmq';
import type { Clock } from '@curbside/async';
import {
  makeAccessTokenCheck,
  redisAccountBlocklist,
  remoteKeySet,
  type AccessTokenVerifier,
  type AccountBlocklist,
} from '@curbside/auth';
import {
  closeRedis,
  createRedis,
  defaultRedisUrl,
  deleteKeysWithPrefix,
  redisTargetFromEnv,
  type RedisClient,
} from '@curbside/redis';
import { createGateway, type Gateway, type GatewayOptions } from '@curbside/gateway';
import { closeServer, listen } from '@curbside/http';
import { createLogger } from '@curbside/service';
import {
  databaseUrl,
  defaultPostgresUrl,
  ensureDatabase,
  makeLivePubSub,
  type LivePubSub,
  type MediaStoreConfig,
  type SubgraphDeps,
  type SubgraphServer,
} from '@curbside/subgraph-kit';
import { createUserSubgraph } from '@curbside/user-subgraph';
import { createVendorSubgraph } from '@curbside/vendor-subgraph';
import { createLocationSubgraph, type LocationSubgraphOptions } from '@curbside/location-subgraph';
import { createMediaSubgraph } from '@curbside/media-subgraph';
import { createPostSubgraph } from '@curbside/post-subgraph';
import { createSearchSubgraph } from '@curbside/search-subgraph';
import { bullConnection, bullPrefix, closeBullConnection } from '@curbside/event-bus';
import { createWorkers, type Workers } from '@curbside/workers';
import { dropDatabasesLater } from './database.ts';
import { SqlRecorder } from './sql-recorder.ts';
import { templateDatabase } from './templates.ts';
import { reservePort } from './ports.ts';
import { startPgBouncer, type PgBouncer } from './pgbouncer.ts';
import { startS3Server, type TestS3Server } from './s3-server.ts';

export const subgraphNames = ['user', 'vendor', 'location', 'post', 'media', 'search'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

export const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
export const redisUrl = process.env['REDIS_URL'] ?? defaultRedisUrl;
/**
 * The Redis Cluster of `REDIS_CLUSTER_NODES` when the run has one (`pnpm test:cluster` starts it; `redisUrl` is then
 * one of its nodes), else none: every stack of the run uses it, for keys, queues and live events alike.
 */
export const redisClusterNodes: readonly string[] = redisTargetFromEnv(process.env).clusterNodes ?? [];
const machineRedisUrl = redisUrl;

/** Prefix of every database a test run creates; the run's global teardown drops them. */
export function testDatabasePrefix(): string {
  const runId = process.env['CURBSIDE_TEST_RUN'];
  if (!runId) throw new Error('CURBSIDE_TEST_RUN is not set: run tests through vitest (see vitest.config.ts)');
  return `curbside_t_${runId}_`;
}

export interface TestStack {
  gatewayUrl: string;
  /** Direct URLs of the subgraphs (bypassing the proxies). */
  subgraphUrls: Record<SubgraphName, string>;
  jwksUrl: string;
  /** SQL sent by each subgraph. */
  sql: Record<SubgraphName, SqlRecorder>;
  /** HTTP requests that reached each subgraph through the gateway. */
  subgraphRequests: Record<SubgraphName, number>;
  /** Database URLs, for assertions on rows. */
  databases: Record<SubgraphName, string>;
  /**
   * Where the media subgraph and the workers keep files: `mediaDir`, or a bucket of the stack's own S3 server
   * (`StackOptions.mediaStore`).
   */
  mediaStore: MediaStoreConfig;
  /** The local store's folder (a temporary folder removed at stop); nothing uses it when the store is S3. */
  mediaDir: string;
  /** The HMAC secret of upload URLs, so a test can sign an expired URL correctly. */
  mediaSigningSecret: string;
  /** This stack's own Redis namespace (`curbside:t:<run>:<stack>:`) and a client using it. */
  redisKeyPrefix: string;
  /** The Redis this stack uses (the machine's, or the private one it was given). */
  redisUrl: string;
  /** The cluster's seed nodes when the stack runs on a Redis Cluster; empty on one server. */
  redisClusterNodes: readonly string[];
  /** BullMQ's connection and prefix, as the stack's relays and workers use them (`queueOptions` per queue). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  redis: RedisClient;
  /** The live pub/sub every subgraph of this stack shares (channels under `redisKeyPrefix`). */
  pubsub: LivePubSub;
  accountBlocklist: AccountBlocklist;
  resetCounters(): void;
  /** The gateway itself (stats, supergraph reload). */
  gateway: Gateway;
  /** Makes the gateway's HTTP requests to a subgraph fail with 502 (its sockets are untouched), or stops that. */
  failSubgraphRequests(name: SubgraphName, failing: boolean): void;
  /** Stops the location subgraph, runs `whileDown`, and starts it again on the same port. */
  restartLocationSubgraph(whileDown?: () => Promise<void>): Promise<void>;
  /** The stack's own PgBouncer in the pooler profile (see `CURBSIDE_TEST_POOLER`), else undefined. */
  pooler: PgBouncer | undefined;
  stop(): Promise<void>;
  /** While `stop()` runs: the part it is waiting for (`workers`, `gateway`, `pubsub`…), for a test whose stop hangs. */
  stopping(): string | null;
}

/**
 * An HTTP proxy that counts requests, so a test can prove the gateway called no subgraph; while `failing()`
 * it answers every HTTP request 502 itself, as a subgraph that is down would look to the gateway.
 */
async function countingProxy(
  target: string,
  onRequest: () => void,
  failing: () => boolean,
): Promise<{ url: string; server: Server }> {
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    onRequest();
    if (failing()) {
      req.resume();
      res.writeHead(502).end();
      return;
    }
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that goes away mid-request must look the same to the subgraph as without the proxy.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  // WebSocket upgrades (the gateway's subscriptions) pass through as raw bytes once the request is replayed.
  server.on('upgrade', (req, socket, head) => {
    onRequest();
    const upstream = connect(Number(targetUrl.port), targetUrl.hostname, () => {
      const headers = Object.entries(req.headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((item) => `${name}: ${item}\r\n`),
      );
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('')}\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}${targetUrl.pathname}`, server };
}

const unlimited = {
  userCostPerMinute: Number.MAX_SAFE_INTEGER,
  anonymousCostPerMinute: Number.MAX_SAFE_INTEGER,
  authAttemptsPerIpPerMinute: Number.MAX_SAFE_INTEGER,
  authAttemptsPerAccountPerMinute: Number.MAX_SAFE_INTEGER,
};

export interface StackOptions {
  /** Log level of every service. Default silent. */
  logLevel?: string;
  /** Put a counting proxy in front of each subgraph. Default true; benchmarks turn it off to skip the hop. */
  countSubgraphRequests?: boolean;
  /** Another Redis than the machine's (a private one a test may kill). */
  redisUrl?: string;
  /** With `redisUrl`, the seed nodes of a Redis Cluster of the test's own (one it may fail over). Default none. */
  redisClusterNodes?: readonly string[];
  /** Extra gateway options (limits) for a test. */
  gateway?: Partial<GatewayOptions>;
  /** Run the workers in-process. Default true; a test that starts them as a process (to kill it) says false. */
  workers?: boolean;
  /**
   * The GATEWAY_SECRET of production: every subgraph then answers only calls carrying it (as `runSubgraph`
   * sets them up when NODE_ENV=production), and the gateway is given it. Default: none, subgraphs answer anyone.
   */
  gatewaySecret?: string;
  /**
   * The clock of the rate windows (the location subgraph's one update per vendor per second, the user
   * subgraph's sign-in attempts per minute, the gateway's budgets per minute): a test passes a `manualClock` and
   * moves it rather than sleeping across a window. Default: the system clock.
   */
  clock?: Clock;
  /** How the location subgraph prunes its position history (a test shortens the interval). Default its own. */
  locationHistoryPruning?: LocationSubgraphOptions['historyPruning'];
  /**
   * The most vendors one account may run (production: 10). Default unlimited: tests create vendors far more
   * freely than people do, as they query more than budgets allow; a test of the cap sets it.
   */
  maxVendorsPerOwner?: number;
  /**
   * Where media files live: `local` (default), a temporary folder; `s3`, a bucket of an S3-compatible server
   * (s3rver) the stack starts on a loopback port and stops with it.
   */
  mediaStore?: 'local' | 's3';
  /**
   * 'pgbouncer': the stack starts a PgBouncer of its own in transaction pooling, and its subgraphs and workers
   * reach their databases through it with no direct URL (the relays sweep), as a deployment behind PgBouncer
   * does; the databases are still created on, and `TestStack.databases` still points at, the machine's
   * PostgreSQL. Default: `CURBSIDE_TEST_POOLER` (the `pgbouncer` test project sets it), else none.
   */
  databasePooler?: 'pgbouncer' | 'none';
}

/** The pooler profile of a test project (see `StackOptions.databasePooler`). */
function poolerProfile(): 'pgbouncer' | 'none' {
  const profile = process.env['CURBSIDE_TEST_POOLER'] || 'none';
  if (profile !== 'pgbouncer' && profile !== 'none') {
    throw new Error(`CURBSIDE_TEST_POOLER expects pgbouncer or none, but got ${JSON.stringify(profile)}`);
  }
  return profile;
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const id = randomBytes(3).toString('hex');
  const redisUrl = options.redisUrl ?? machineRedisUrl;
  // A private Redis (one a test may kill) is the test's own, whatever the run's profile.
  const clusterNodes = options.redisUrl ? (options.redisClusterNodes ?? []) : redisClusterNodes;
  // CURBSIDE_TEST_LOG_LEVEL shows a stack's own logs (warn, info) when a run needs them to be understood.
  const logger = createLogger('test-stack', options.logLevel ?? process.env['CURBSIDE_TEST_LOG_LEVEL'] ?? 'silent');
  const databases = {} as Record<SubgraphName, string>;
  const databaseNames: string[] = [];
  const connectUrls = {} as Record<SubgraphName, string>;
  const pooler =
    (options.databasePooler ?? poolerProfile()) === 'pgbouncer'
      ? await startPgBouncer({ serverUrl: postgresUrl })
      : undefined;
  for (const name of subgraphNames) {
    const database = `${testDatabasePrefix()}${id}_${name}`;
    // A copy of the run's migrated template when there is one (see templates.ts): the subgraph then finds
    // nothing to migrate.
    await ensureDatabase(postgresUrl, database, { template: templateDatabase(testDatabasePrefix(), name) });
    databases[name] = databaseUrl(postgresUrl, database);
    databaseNames.push(database);
    connectUrls[name] = pooler?.url(database) ?? databases[name];
  }
  const sql = Object.fromEntries(subgraphNames.map((name) => [name, new SqlRecorder()])) as Record<
    SubgraphName,
    SqlRecorder
  >;
  const subgraphRequests = Object.fromEntries(subgraphNames.map((name) => [name, 0])) as Record<SubgraphName, number>;
  // The gateway's port is chosen now: the media subgraph builds its public URLs on the gateway's origin.
  const gatewayPort = await reservePort();
  const mediaDir = await mkdtemp(join(tmpdir(), `curbside-media-${id}-`));
  const mediaSigningSecret = randomBytes(32).toString('hex');
  const redisKeyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:`;
  const redis = createRedis({
    url: redisUrl,
    clusterNodes,
    keyPrefix: redisKeyPrefix,
    connectionName: `test-stack-${id}`,
  });
  const accountBlocklist = redisAccountBlocklist(redis);
  const eventBus = { connection: bullConnection(redisUrl, clusterNodes), prefix: bullPrefix(redisKeyPrefix) };
  const pubsub = makeLivePubSub({
    url: redisUrl,
    clusterNodes,
    keyPrefix: redisKeyPrefix,
    connectionName: `test-stack-${id}:live`,
    logger: logger.child({ service: 'pubsub' }),
  });
  const stoppables: { name: string; close(): Promise<void> }[] = [];
  let stoppingAt: string | null = null;
  let s3Server: TestS3Server | undefined;
  const access = options.gatewaySecret ? { gatewaySecret: options.gatewaySecret } : {};
  try {
    if (options.mediaStore === 's3') s3Server = await startS3Server();
    const mediaStore: MediaStoreConfig = s3Server?.store ?? { kind: 'local', dir: mediaDir };
    // Every subgraph gets the same deps, as runSubgraph gives them in production; only `options` differs.
    const depsOf = <Options>(
      name: SubgraphName,
      verifyAccessToken: AccessTokenVerifier,
      subgraphOptions: Options,
    ): SubgraphDeps<Options> => ({
      databaseUrl: connectUrls[name],
      directDatabaseUrl: pooler ? undefined : databases[name],
      logger: logger.child({ service: name }),
      redis,
      accountBlocklist,
      verifyAccessToken,
      eventBus,
      pubsub,
      onQuery: (text) => sql[name].record(text),
      options: subgraphOptions,
    });
    // The user subgraph checks tokens with the keys it issues; the JWKS the others use exists once it listens.
    const noJwks: AccessTokenVerifier = () => Promise.reject(new Error('the user subgraph checks its own tokens'));
    const user: SubgraphServer = await createUserSubgraph(
      depsOf('user', noJwks, {
        // Counted per account as the gateway counts per name: a budget only where a test sets one (see below).
        authAttemptsPerMinute:
          options.gateway?.rateLimits?.authAttemptsPerAccountPerMinute ?? unlimited.authAttemptsPerAccountPerMinute,
        clock: options.clock,
      }),
    );
    stoppables.unshift({ name: 'user', close: () => user.close() });
    const userUrl = await user.listen(0, '127.0.0.1', access);
    const jwksUrl = new URL('/.well-known/jwks.json', userUrl).toString();
    const verifyAccessToken = makeAccessTokenCheck({
      keys: remoteKeySet(jwksUrl),
      blocklist: accountBlocklist,
      onBlocklistUnavailable: () => {
        // As in production (the token alone decides) when the test kills its own Redis on purpose; on the
        // machine's Redis an unreadable blocklist is a bug the test should see.
        if (!options.redisUrl) throw new Error('Redis unreachable in a test stack');
      },
    });
    const vendor: SubgraphServer = await createVendorSubgraph(
      depsOf('vendor', verifyAccessToken, { maxVendorsPerOwner: options.maxVendorsPerOwner ?? Infinity }),
    );
    stoppables.unshift({ name: 'vendor', close: () => vendor.close() });
    const vendorUrl = await vendor.listen(0, '127.0.0.1', access);
    const startLocation = () =>
      createLocationSubgraph(
        depsOf('location', verifyAccessToken, {
          clock: options.clock,
          historyPruning: options.locationHistoryPruning,
        }),
      );
    let location = await startLocation();
    stoppables.unshift({ name: 'location', close: () => location.close() });
    const locationUrl = await location.listen(0, '127.0.0.1', access);

    const post = await createPostSubgraph(depsOf('post', verifyAccessToken, {}));
    stoppables.unshift({ name: 'post', close: () => post.close() });
    const postUrl = await post.listen(0, '127.0.0.1', access);
    const media = await createMediaSubgraph(
      depsOf('media', verifyAccessToken, {
        mediaStore,
        publicBaseUrl: `http://127.0.0.1:${gatewayPort.port}/media`,
        uploadSigningSecret: mediaSigningSecret,
      }),
    );
    stoppables.unshift({ name: 'media', close: () => media.close() });
    const mediaUrl = await media.listen(0, '127.0.0.1', access);
    const search = await createSearchSubgraph(depsOf('search', verifyAccessToken, {}));
    stoppables.unshift({ name: 'search', close: () => search.close() });
    const searchUrl = await search.listen(0, '127.0.0.1', access);

    const subgraphUrls = {
      user: userUrl,
      vendor: vendorUrl,
      location: locationUrl,
      post: postUrl,
      media: mediaUrl,
      search: searchUrl,
    };
    // The workers deployable, in-process like the subgraphs (tests that kill it start it as a process); after
    // the subgraphs, which migrate the databases the workers use.
    if (options.workers !== false) {
      const workers: Workers = await createWorkers({
        databaseUrls: connectUrls,
        eventBus,
        redis,
        pubsub,
        logger: logger.child({ service: 'workers' }),
        mediaStore,
      });
      stoppables.unshift({ name: 'workers', close: () => workers.close() });
    }
    const proxied: Record<string, string> = { ...subgraphUrls };
    const failingSubgraphs = new Set<SubgraphName>();
    for (const name of options.countSubgraphRequests === false ? [] : subgraphNames) {
      const proxy = await countingProxy(
        subgraphUrls[name],
        () => void subgraphRequests[name]++,
        () => failingSubgraphs.has(name),
      );
      stoppables.unshift({ name: `${name} proxy`, close: () => closeServer(proxy.server) });
      proxied[name] = proxy.url;
    }
    const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
    const gateway: Gateway = await createGateway({
      supergraphSdl: readFileSync(supergraphPath, 'utf8'),
      subgraphUrls: proxied,
      verifyAccessToken,
      logger: logger.child({ service: 'gateway' }),
      production: false,
      ...(options.clock ? { clock: options.clock } : {}),
      queues: eventBus,
      redis,
      accountBlocklist,
      ...(options.gatewaySecret ? { gatewaySecret: options.gatewaySecret } : {}),
      ...options.gateway,
      // Tests sign in and query far more often than people do: budgets only where a test sets them.
      rateLimits: { ...unlimited, ...options.gateway?.rateLimits },
    });
    stoppables.unshift({ name: 'gateway', close: () => gateway.close() });
    await gatewayPort.release();
    const gatewayUrl = await gateway.listen(gatewayPort.port);
    return {
      gatewayUrl,
      subgraphUrls,
      jwksUrl,
      sql,
      subgraphRequests,
      databases,
      mediaStore,
      mediaDir,
      mediaSigningSecret,
      redisKeyPrefix,
      redisUrl,
      redisClusterNodes: clusterNodes,
      eventBus,
      redis,
      pubsub,
      accountBlocklist,
      gateway,
      pooler,
      failSubgraphRequests(name, failing) {
        if (failing) failingSubgraphs.add(name);
        else failingSubgraphs.delete(name);
      },
      resetCounters() {
        for (const name of subgraphNames) {
          sql[name].reset();
          subgraphRequests[name] = 0;
        }
      },
      async restartLocationSubgraph(whileDown) {
        await location.close();
        await whileDown?.();
        location = await startLocation();
        await location.listen(Number(new URL(locationUrl).port), '127.0.0.1', access);
      },
      stopping: () => stoppingAt,
      async stop() {
        // Subgraphs first (their sockets close, releasing every subscription), then the pub/sub they share.
        for (const service of stoppables) {
          stoppingAt = service.name;
          await service.close();
        }
        stoppingAt = 'pubsub';
        await pubsub.close();
        // Keys die with the stack, as its databases die with the run.
        stoppingAt = 'redis keys';
        await deleteKeysWithPrefix(redis, redisKeyPrefix);
        stoppingAt = 'redis connections';
        await closeBullConnection(eventBus.connection);
        await closeRedis(redis);
        stoppingAt = 's3, pooler, media folder';
        await s3Server?.stop();
        await pooler?.stop();
        await rm(mediaDir, { recursive: true, force: true });
        stoppingAt = null;
        // Dropped in the background (the run's teardown drops what is left).
        dropDatabasesLater(databaseUrl(postgresUrl, 'postgres'), databaseNames);
      },
    };
  } catch (error) {
    for (const service of stoppables) await service.close().catch(() => undefined);
    await gatewayPort.release().catch(() => undefined);
    await pubsub.close();
    await closeBullConnection(eventBus.connection);
    await closeRedis(redis);
    await s3Server?.stop();
    await pooler?.stop();
    await rm(mediaDir, { recursive: true, force: true });
    throw error;
  }
}
