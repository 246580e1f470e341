import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventOfQueue } from '@curbside/events';
import type { GeoIndex } from './geo-index.ts';
import { VendorPosition, VendorPositionHistory } from './entities.ts';

export interface CopyChange {
  vendorId: string;
  ownerId: string;
  isOpen: boolean;
  deleted: boolean;
}

/** The events of the `location.vendor-copy` queue. */
export type LocationVendorEvent = EventOfQueue<'location.vendor-copy'>;

/** What a vendor event says about the copy. */
export function changeOf(event: LocationVendorEvent): CopyChange {
  const { vendorId, ownerId } = event.payload;
  switch (event.name) {
    case 'vendor.created':
    case 'vendor.updated':
      return { vendorId, ownerId, isOpen: event.payload.isOpen, deleted: false };
    case 'vendor.opened':
    case 'vendor.closed':
      return { vendorId, ownerId, isOpen: event.name === 'vendor.opened', deleted: false };
    case 'vendor.deleted':
      return { vendorId, ownerId, isOpen: false, deleted: true };
  }
}

/**
 * Applies a vendor event to the local copy and the geo index. Idempotent and order-safe: the row only
 * changes when the event is not older than the last one applied (`version`), and a deleted vendor stays
 * deleted.
 */
export async function applyVendorEvent(em: EntityManager, geo: GeoIndex, event: LocationVendorEvent): Promise<void> {
  const change = changeOf(event);
  const applied = await em.execute<{ is_open: boolean; deleted: boolean }[]>(
    `insert into vendor_copy (vendor_id, owner_id, is_open, deleted, version) values (?, ?, ?, ?, ?)
     on conflict (vendor_id) do update set owner_id = excluded.owner_id, is_open = excluded.is_open,
       deleted = vendor_copy.deleted or excluded.deleted, version = excluded.version
     where vendor_copy.version <= excluded.version
     returning is_open, deleted`,
    [change.vendorId, change.ownerId, change.isOpen, change.deleted, new Date(event.occurredAt)],
  );
  const row = applied[0];
  if (!row) return; // an older event than what the copy already reflects
  if (row.deleted) {
    // Nothing can read a deleted vendor's positions any more, and where it has been is its owner's data.
    await em.nativeDelete(VendorPosition, { vendorId: change.vendorId });
    await em.nativeDelete(VendorPositionHistory, { vendorId: change.vendorId });
    await geo.remove(change.vendorId);
    return;
  }
  const position = await em.findOne(VendorPosition, { vendorId: change.vendorId });
  await geo.setOpen(change.vendorId, row.is_open, position ? { lat: position.lat, lng: position.lng } : null);
}
