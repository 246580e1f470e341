import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventOfQueue } from '@curbside/events';

/**
 * Applies a media event to the local copy (see MediaCopy). Idempotent and order-safe: the row only
 * changes when the event is not older than the last one applied (`version`), and a deleted media stays
 * deleted, so a `media.uploaded` delivered again or late after `media.deleted` cannot revive it.
 */
export async function applyMediaEvent(em: EntityManager, event: EventOfQueue<'post.media-copy'>): Promise<void> {
  const { mediaId, ownerId } = event.payload;
  await em.execute(
    `insert into media_copy (media_id, owner_id, deleted, version) values (?, ?, ?, ?)
     on conflict (media_id) do update set owner_id = excluded.owner_id,
       deleted = media_copy.deleted or excluded.deleted, version = excluded.version
     where media_copy.version <= excluded.version`,
    [mediaId, ownerId, event.name === 'media.deleted', new Date(event.occurredAt)],
  );
}
