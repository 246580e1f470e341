import type { ConnectionOptions } from 'bullmq';
import type { DocumentNode } from 'graphql';
import type { AccessTokenVerifier, AccountBlocklist } from '@curbside/auth';
import { startOutboxRelay } from '@curbside/event-bus';
import type { Redis } from '@curbside/redis';
import { createServiceMetrics, type Logger, type MetricsEndpoint } from '@curbside/service';
import { startupSequence, stopperOf, withOrderedShutdown, type Stoppable } from './lifecycle.ts';
import type { LivePubSub } from './live.ts';
import { startOutboxSampler, watchOrmPool } from './metrics.ts';
import { openOrm, type OpenOrmOptions, type Orm } from './orm.ts';
import { subgraphSchema, type SubgraphResolverMap } from './schema.ts';
import { createSubgraphServer, type BaseRequestContext, type Route, type SubgraphServer } from './server.ts';

/** The settings of a subgraph that has none of its own. */
export type NoOptions = Record<never, never>;

/**
 * What every subgraph is built from, whoever builds it: its entry file (through `runSubgraph`) and the test
 * stack give the same things; only `options` differs from one subgraph to another.
 */
export interface SubgraphDeps<Options = NoOptions> {
  /**
   * URL of the subgraph's own database (created beforehand, see ensureDatabase), directly or through PgBouncer
   * in transaction pooling.
   */
  databaseUrl: string;
  /**
   * A direct URL of the same database (never a transaction pooler), for the outbox relay's LISTEN; undefined:
   * the relay sweeps the outbox every second instead, and logs so.
   */
  directDatabaseUrl: string | undefined;
  /** Largest number of pooled connections to the database. Default `defaultPoolSize` (5). */
  databasePoolSize?: number | undefined;
  /** How long the relay keeps sent outbox rows before pruning them. Default `outboxPruningDefaults` (7 days). */
  outboxRetentionMs?: number | undefined;
  /**
   * 'apply' (development, tests): migrate at start, under the migration lock, so replicas starting together
   * migrate once. 'await' (production): never migrate; wait until `pnpm migrate` has. Default 'apply'.
   */
  migrations?: 'apply' | 'await' | undefined;
  /** Told why start-up waits for the database (see `OpenOrmOptions.onMigrationWait`). Default none. */
  onStartupWait?: ((reason: string) => void) | undefined;
  /** Aborted when the process is asked to stop while starting: ends a wait for migrations. Default none. */
  startupSignal?: AbortSignal | undefined;
  logger: Logger;
  /** Key-prefixed Redis client (the account blocklist, and whatever the subgraph keeps there). Owned by the caller. */
  redis: Redis;
  /** Accounts whose valid tokens are refused (suspended, deleted); the user subgraph keeps it current. */
  accountBlocklist: AccountBlocklist;
  /**
   * Checks access tokens against the user subgraph's keys and the blocklist. The user subgraph, which issues
   * the keys, checks with its own and ignores this one.
   */
  verifyAccessToken: AccessTokenVerifier;
  /** Queues: where the subgraph's consumers read events and where its outbox is relayed. */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Live events the subgraph publishes and serves subscriptions from. Owned by the caller, closed after it. */
  pubsub: LivePubSub;
  /** Called with every SQL statement sent; tests count queries with it. Default none. */
  onQuery?: ((sql: string) => void) | undefined;
  /**
   * The process's metrics and who may read them at /metrics. Default: a registry of the subgraph's own, open
   * to anyone (as outside production).
   */
  metrics?: MetricsEndpoint | undefined;
  /** How often the outbox backlog is sampled into the metrics. Default `outboxSampleIntervalMs` (15 s). */
  outboxSampleIntervalMs?: number | undefined;
  /** The subgraph's own settings (the user subgraph's signing key, the media subgraph's storage, ...). */
  options: Options;
}

/** What a subgraph's `build` returns: its resolvers and the parts around them. */
export interface SubgraphParts<Resolvers> {
  /** Typed by codegen from the subgraph's SDL (see `subgraphSchema`). */
  resolvers: Resolvers;
  /** Plain routes beside /graphql (see `SubgraphServerOptions.routes`). Default none. */
  routes?: Record<string, Route>;
  /** The token check of this subgraph's requests. Default `deps.verifyAccessToken`. */
  verifyAccessToken?: AccessTokenVerifier;
  /**
   * Background parts (event consumers), each started by one function, in order, once the server is built and
   * the outbox relay started; stopped with them. Default none.
   */
  background?: (() => Stoppable | Promise<Stoppable>)[];
}

/** One subgraph, as `defineSubgraph` builds it. */
export interface SubgraphDefinition<Options, Resolvers> {
  /** Its name: the `service` of /health and the logs. */
  name: string;
  /** Its SDL, parsed from its `schema.graphql`. */
  typeDefs: DocumentNode;
  entities: OpenOrmOptions['entities'];
  /** Committed migrations, oldest first, applied at start. */
  migrations: OpenOrmOptions['migrations'];
  /** Adds the subgraph's per-request state (DataLoaders) to the base context. */
  createContext: (base: BaseRequestContext) => BaseRequestContext;
  /** Relays the subgraph's outbox to the queues. Default true; false for a subgraph that records no events. */
  relayOutbox?: boolean;
  /**
   * Builds the resolvers and parts from the deps and the ORM (opened and migrated). May do start-up work that
   * starts nothing long-lived (restore a Redis copy, rebuild an index); if it throws, the ORM is closed.
   */
  build(context: {
    deps: SubgraphDeps<Options>;
    orm: Orm;
  }): SubgraphParts<Resolvers> | Promise<SubgraphParts<Resolvers>>;
}

/**
 * The one way to build a subgraph: returns its factory, `(deps) => Promise<SubgraphServer>`, which the entry
 * file (`runSubgraph`) and the test stack call alike. Start-up runs in order: the ORM (migrations applied),
 * `build`, the server (not yet listening), the outbox relay, the background parts. If any step fails, every
 * part already started is stopped, newest first, and the error is rethrown. `close()` stops the server, then
 * the background parts and relay, then the ORM (see `withOrderedShutdown`).
 *
 * The resolver type is named, never inferred: `defineSubgraph<Options, Resolvers>({...})`, as with
 * `subgraphSchema`, so a resolver the SDL does not declare fails typecheck.
 */
export function defineSubgraph<Options = NoOptions, Resolvers extends SubgraphResolverMap = never>(
  definition: SubgraphDefinition<Options, NoInfer<Resolvers>>,
): (deps: SubgraphDeps<Options>) => Promise<SubgraphServer> {
  return async (deps) => {
    const { logger } = deps;
    const startup = startupSequence((error) =>
      logger.error({ err: error }, `${definition.name} subgraph: a part failed to stop after start-up failed`),
    );
    const orm = await startup.step(
      () =>
        openOrm({
          databaseUrl: deps.databaseUrl,
          entities: definition.entities,
          migrations: definition.migrations,
          migrationMode: deps.migrations ?? 'apply',
          // Production waits for the migration job for as long as it takes, unready meanwhile.
          migrationWaitMs: Infinity,
          ...(deps.databasePoolSize ? { poolSize: deps.databasePoolSize } : {}),
          ...(deps.onStartupWait ? { onMigrationWait: deps.onStartupWait } : {}),
          signal: deps.startupSignal,
          ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
        }),
      (orm) => orm.close(),
    );
    const metrics = deps.metrics ?? {
      metrics: createServiceMetrics(),
      access: { production: false, token: undefined },
    };
    const unwatchPool = await startup.run(() => watchOrmPool(metrics.metrics, definition.name, orm));
    const parts = await startup.run(() => definition.build({ deps, orm }));
    const server = await startup.step(
      () =>
        createSubgraphServer({
          name: definition.name,
          schema: subgraphSchema<Resolvers>(definition.typeDefs, parts.resolvers),
          orm,
          redis: deps.redis,
          logger,
          verifyAccessToken: parts.verifyAccessToken ?? deps.verifyAccessToken,
          createContext: definition.createContext,
          ...(parts.routes ? { routes: parts.routes } : {}),
          metrics,
        }),
      (server) => server.close(),
    );
    const background: (() => Promise<void>)[] = [async () => unwatchPool()];
    if (definition.relayOutbox !== false) {
      const sampler = await startup.step(
        () =>
          startOutboxSampler({
            orm,
            subgraph: definition.name,
            metrics: metrics.metrics,
            logger,
            ...(deps.outboxSampleIntervalMs ? { intervalMs: deps.outboxSampleIntervalMs } : {}),
          }),
        (sampler) => sampler.stop(),
      );
      background.push(() => sampler.stop());
      const relay = await startup.step(
        () =>
          startOutboxRelay({
            orm,
            databaseUrl: deps.directDatabaseUrl,
            ...deps.eventBus,
            logger,
            ...(deps.outboxRetentionMs ? { pruning: { retentionMs: deps.outboxRetentionMs } } : {}),
          }),
        (relay) => relay.stop(),
      );
      background.push(() => relay.stop());
    }
    for (const start of parts.background ?? []) {
      const part = await startup.step(start, (part) => stopperOf(part)());
      background.push(stopperOf(part));
    }
    return withOrderedShutdown({ server, background, orm });
  };
}
