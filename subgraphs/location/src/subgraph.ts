import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Clock } from '@curbside/async';
import { startEventConsumer } from '@curbside/event-bus';
import type { Logger } from '@curbside/service';
import { defineSubgraph, type Orm } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeGeoIndex, type GeoIndex, type IndexedPosition } from './geo-index.ts';
import { startHistoryPruning, type HistoryPruningSettings } from './history-pruning.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { makeUpdateWindow } from './update-window.ts';
import { applyVendorEvent } from './vendor-copy.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The location subgraph's own settings (`SubgraphDeps.options`). */
export interface LocationSubgraphOptions {
  /** The clock of the one-update-per-vendor-per-second window (tests pass a manual one). Default the system clock. */
  clock?: Clock | undefined;
  /** How the position history is pruned (retention, interval, batch size). Default `historyPruningDefaults`. */
  historyPruning?: Partial<HistoryPruningSettings> | undefined;
}

/** Positions from PostgreSQL in keyset-paginated chunks, joined with the open state, for a rebuild. */
async function* storedPositions(orm: Orm, chunkSize = 10_000): AsyncIterable<IndexedPosition[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    // Plain rows, not entities: a rebuild reads every position once and needs no identity map.
    const rows = await orm.em
      .fork()
      .execute<{ vendor_id: string; lat: number; lng: number; is_open: boolean | null }[]>(
        `select l.vendor_id, l.lat, l.lng, c.is_open from vendor_location l
       left join vendor_copy c on c.vendor_id = l.vendor_id
       where l.vendor_id > ? and c.deleted is not true
       order by l.vendor_id limit ${chunkSize}`,
        [after],
      );
    if (rows.length === 0) return;
    yield rows.map((row) => ({ vendorId: row.vendor_id, lat: row.lat, lng: row.lng, isOpen: row.is_open ?? false }));
    after = rows.at(-1)!.vendor_id;
  }
}

/** Rebuilds the geo index from PostgreSQL when Redis has lost it (or never had it). */
export async function ensureGeoIndex(orm: Orm, geo: GeoIndex, logger: Logger): Promise<void> {
  if (await geo.isBuilt()) return;
  const started = Date.now();
  const count = await geo.rebuild(storedPositions(orm));
  logger.info({ vendors: count, ms: Date.now() - started }, 'geo index rebuilt from PostgreSQL');
}

/**
 * Builds the location subgraph: database (migrated), geo index (rebuilt if Redis lost it), schema and HTTP
 * server, the relay of its own outbox, the consumer of vendor events, the pruning of the position history.
 * Publishes `vendor.location` and serves the location subscriptions; the geo index and the update rate limit
 * live in `deps.redis`. `close()` stops them all.
 */
export const createLocationSubgraph = defineSubgraph<LocationSubgraphOptions, Resolvers>({
  name: 'location',
  typeDefs,
  entities,
  migrations,
  createContext,
  async build({ deps, orm }) {
    const geo = makeGeoIndex(deps.redis);
    await ensureGeoIndex(orm, geo, deps.logger);
    return {
      resolvers: makeResolvers({
        updateWindow: makeUpdateWindow({ redis: deps.redis, clock: deps.options.clock }),
        geo,
        pubsub: deps.pubsub,
      }),
      background: [
        () =>
          startEventConsumer({
            queue: 'location.vendor-copy',
            consumer: 'location-subgraph',
            ...deps.eventBus,
            logger: deps.logger,
            handle: (event) => applyVendorEvent(orm.em.fork(), geo, event),
          }),
        () => startHistoryPruning(orm, { ...deps.options.historyPruning, logger: deps.logger }),
      ],
    };
  },
});
