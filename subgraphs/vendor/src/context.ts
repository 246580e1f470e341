import DataLoader from 'dataloader';
import type { BaseRequestContext } from '@curbside/subgraph-kit';
import { Vendor, type VendorEntity } from './entities.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null or empty. */
export function createLoaders(base: BaseRequestContext) {
  return {
    vendorById: new DataLoader<string, VendorEntity | null>(async (ids) => {
      const rows = await base.em.find(Vendor, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    vendorsByOwnerId: new DataLoader<string, VendorEntity[]>(async (ownerIds) => {
      const rows = await base.em.find(
        Vendor,
        { ownerId: { $in: [...ownerIds] } },
        { orderBy: { createdAt: 'desc', id: 'desc' } },
      );
      const byOwner = new Map<string, VendorEntity[]>();
      for (const row of rows) byOwner.set(row.ownerId, [...(byOwner.get(row.ownerId) ?? []), row]);
      return ownerIds.map((ownerId) => byOwner.get(ownerId) ?? []);
    }),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base) };
}
