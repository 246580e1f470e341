import DataLoader from 'dataloader';
import { encodeCursor, type BaseRequestContext, type Connection } from '@curbside/subgraph-kit';
import { Vendor, type VendorEntity } from './entities.ts';
import { loadFollowedVendors, type FollowedVendorsKey } from './follows.ts';

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
    followerCountByVendorId: new DataLoader<string, number>(async (vendorIds) => {
      const rows = await base.em.execute<{ vendor_id: string; followers: number }[]>(
        'select vendor_id, count(*)::int as followers from vendor_follow where vendor_id in (?) group by vendor_id',
        [[...vendorIds]],
      );
      const byVendor = new Map(rows.map((row) => [row.vendor_id, Number(row.followers)]));
      return vendorIds.map((vendorId) => byVendor.get(vendorId) ?? 0);
    }),
    /** Whether the viewer follows each vendor; anonymous viewers follow nothing and cost no query. */
    viewerFollowsByVendorId: new DataLoader<string, boolean>(async (vendorIds) => {
      if (!base.viewer) return vendorIds.map(() => false);
      const rows = await base.em.execute<{ vendor_id: string }[]>(
        'select vendor_id from vendor_follow where user_id = ? and vendor_id in (?)',
        [base.viewer.userId, [...vendorIds]],
      );
      const followed = new Set(rows.map((row) => row.vendor_id));
      return vendorIds.map((vendorId) => followed.has(vendorId));
    }),
    followedVendors: new DataLoader<FollowedVendorsKey, Connection<VendorEntity>, string>(
      (keys) => loadFollowedVendors(base.em, keys),
      { cacheKeyFn: ({ userId, first, after }) => `${userId}:${first}:${after ? encodeCursor(after) : ''}` },
    ),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base) };
}
