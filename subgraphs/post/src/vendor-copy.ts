import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventOfQueue } from '@curbside/events';

/**
 * Applies a vendor event to the local copy (see VendorCopy). Idempotent and order-safe: the row only
 * changes when the event is not older than the last one applied (`version`), and a deleted vendor stays
 * deleted, so a `vendor.updated` delivered again or late after `vendor.deleted` cannot revive it.
 */
export async function applyVendorEvent(em: EntityManager, event: EventOfQueue<'post.vendor-copy'>): Promise<void> {
  const { vendorId, ownerId } = event.payload;
  await em.execute(
    `insert into vendor_copy (vendor_id, owner_id, deleted, version) values (?, ?, ?, ?)
     on conflict (vendor_id) do update set owner_id = excluded.owner_id,
       deleted = vendor_copy.deleted or excluded.deleted, version = excluded.version
     where vendor_copy.version <= excluded.version`,
    [vendorId, ownerId, event.name === 'vendor.deleted', new Date(event.occurredAt)],
  );
}
