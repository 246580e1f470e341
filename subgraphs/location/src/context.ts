import DataLoader from 'dataloader';
import type { BaseRequestContext } from '@curbside/subgraph-kit';
import type { LocationFix } from './entities.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null. */
export function createLoaders(base: BaseRequestContext) {
  return {
    // Read-only rows on the hot path of vendorsNearby: plain SQL, no entity hydration.
    positionByVendorId: new DataLoader<string, LocationFix | null>(async (vendorIds) => {
      const rows = await base.em.execute<
        { vendor_id: string; lat: number; lng: number; accuracy_meters: number | null; updated_at: Date }[]
      >('select vendor_id, lat, lng, accuracy_meters, updated_at from vendor_location where vendor_id in (?)', [
        [...vendorIds],
      ]);
      const byId = new Map(
        rows.map((row) => [
          row.vendor_id,
          {
            vendorId: row.vendor_id,
            lat: row.lat,
            lng: row.lng,
            accuracyMeters: row.accuracy_meters,
            updatedAt: new Date(row.updated_at),
          },
        ]),
      );
      return vendorIds.map((id) => byId.get(id) ?? null);
    }),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base) };
}
