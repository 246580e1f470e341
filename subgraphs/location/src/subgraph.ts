import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ConnectionOptions } from 'bullmq';
import type { Clock } from '@curbside/async';
import type { AccessTokenVerifier } from '@curbside/auth';
import { startEventConsumer, startOutboxRelay } from '@curbside/event-bus';
import type { Redis } from '@curbside/redis';
import type { Logger } from '@curbside/service';
import {
  createSubgraphServer,
  subgraphSchema,
  openOrm,
  type LivePubSub,
  type Orm,
  type SubgraphServer,
  withOrderedShutdown,
} from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import { makeGeoIndex, type GeoIndex, type IndexedPosition } from './geo-index.ts';
import { migrations } from './migrations/index.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeResolvers } from './resolvers.ts';
import { makeUpdateWindow } from './update-window.ts';
import { applyVendorEvent } from './vendor-copy.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface LocationSubgraphDeps {
  /** URL of the location subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  verifyAccessToken: AccessTokenVerifier;
  /** Key-prefixed client for the geo index and the update rate limit. */
  redis: Redis;
  /** Queues: where events come from (the vendor copy) and go to (this subgraph's outbox). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Live events: publishes `vendor.location`, serves the location subscriptions. Owned by the caller. */
  pubsub: LivePubSub;
  onQuery?: ((sql: string) => void) | undefined;
  /** Where the one-update-per-second window reads the time. Default `systemClock`; tests move a `manualClock`. */
  clock?: Clock | undefined;
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
 * Builds the location subgraph: database (migrated), geo index (rebuilt if Redis lost it), the consumer
 * of vendor events, the relay of its own outbox, schema and HTTP server. `close()` stops them all.
 */
export async function createLocationSubgraph(deps: LocationSubgraphDeps): Promise<SubgraphServer> {
  const { logger } = deps;
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  const geo = makeGeoIndex(deps.redis);
  const updateWindow = makeUpdateWindow({ redis: deps.redis, clock: deps.clock });
  try {
    await ensureGeoIndex(orm, geo, logger);
    const consumer = startEventConsumer({
      queue: 'location.vendor-copy',
      consumer: 'location-subgraph',
      ...deps.eventBus,
      logger,
      handle: (event) => applyVendorEvent(orm.em.fork(), geo, event),
    });
    const relay = startOutboxRelay({ orm, databaseUrl: deps.databaseUrl, ...deps.eventBus, logger });
    const server = await createSubgraphServer({
      name: 'location',
      schema: subgraphSchema<Resolvers>(typeDefs, makeResolvers({ updateWindow, geo, pubsub: deps.pubsub })),
      orm,
      logger,
      verifyAccessToken: deps.verifyAccessToken,
      createContext,
    });
    return withOrderedShutdown({ server, background: [() => consumer.close(), () => relay.stop()], orm });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
