import type { RedisClient } from '@curbside/redis';

/**
 * Every vendor with a position; and the open ones, so `openOnly` needs no filtering after the search. The index's
 * keys share one hash tag: its transactions and the rebuild's renames touch several at once, which a Redis
 * Cluster allows only within one slot (the index is one sorted set anyway, so one node holds it).
 */
export const geoKeys = {
  all: '{geo:vendors}:all',
  open: '{geo:vendors}:open',
  /** Present once the index was built from PostgreSQL; absent after Redis lost its data. */
  built: '{geo:vendors}:built',
} as const;
const { all: allKey, open: openKey, built: builtKey } = geoKeys;

export interface IndexedPosition {
  vendorId: string;
  lat: number;
  lng: number;
  isOpen: boolean;
}

export interface GeoHit {
  vendorId: string;
  distanceMeters: number;
}

/**
 * The distance-search index in Redis (GEOADD / GEOSEARCH). PostgreSQL holds the truth; this is a
 * copy kept in step on every change and rebuilt from PostgreSQL when Redis has lost it.
 */
export function makeGeoIndex(redis: RedisClient) {
  return {
    async place(position: IndexedPosition): Promise<void> {
      const transaction = redis.multi().geoadd(allKey, position.lng, position.lat, position.vendorId);
      if (position.isOpen) transaction.geoadd(openKey, position.lng, position.lat, position.vendorId);
      else transaction.zrem(openKey, position.vendorId);
      await transaction.exec();
    },

    async setOpen(vendorId: string, isOpen: boolean, position: { lat: number; lng: number } | null): Promise<void> {
      if (isOpen && position) await redis.geoadd(openKey, position.lng, position.lat, vendorId);
      else await redis.zrem(openKey, vendorId);
    },

    async remove(vendorId: string): Promise<void> {
      await redis.multi().zrem(allKey, vendorId).zrem(openKey, vendorId).exec();
    },

    /**
     * The `count` nearest members within the radius, nearest first. Redis sorts every member of the
     * circle before cutting to `count`, which costs milliseconds in a dense city; so a quarter of the
     * radius is searched first. If that smaller circle already holds `count` members they are the
     * nearest overall (everything outside it is farther), and the full circle is searched only when
     * it does not.
     */
    async search(query: {
      lat: number;
      lng: number;
      radiusMeters: number;
      count: number;
      openOnly: boolean;
    }): Promise<GeoHit[]> {
      const searchWithin = async (radiusMeters: number) =>
        (
          (await redis.geosearch(
            query.openOnly ? openKey : allKey,
            'FROMLONLAT',
            query.lng,
            query.lat,
            'BYRADIUS',
            radiusMeters,
            'm',
            'ASC',
            'COUNT',
            query.count,
            'WITHDIST',
          )) as [string, string][]
        ).map(([vendorId, distance]) => ({ vendorId, distanceMeters: Number(distance) }));
      const firstRadius = query.radiusMeters / 4;
      if (firstRadius >= 50) {
        const near = await searchWithin(firstRadius);
        if (near.length === query.count) return near;
      }
      return searchWithin(query.radiusMeters);
    },

    async isBuilt(): Promise<boolean> {
      return (await redis.exists(builtKey)) === 1;
    },

    /** Replaces the whole index at once: built under temporary keys, then renamed over the live ones. */
    async rebuild(positions: AsyncIterable<IndexedPosition[]>): Promise<number> {
      const suffix = `:rebuild:${process.pid}:${Date.now()}`;
      let count = 0;
      let opened = 0;
      for await (const chunk of positions) {
        if (chunk.length === 0) continue;
        const pipeline = redis.pipeline();
        for (const position of chunk) {
          pipeline.geoadd(allKey + suffix, position.lng, position.lat, position.vendorId);
          if (position.isOpen) {
            pipeline.geoadd(openKey + suffix, position.lng, position.lat, position.vendorId);
            opened++;
          }
        }
        await pipeline.exec();
        count += chunk.length;
      }
      const swap = redis.multi();
      if (count > 0) swap.rename(allKey + suffix, allKey);
      else swap.del(allKey);
      if (opened > 0) swap.rename(openKey + suffix, openKey);
      else swap.del(openKey);
      await swap.set(builtKey, new Date().toISOString()).exec();
      return count;
    },
  };
}

export type GeoIndex = ReturnType<typeof makeGeoIndex>;
