import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput } from '@curbside/errors';
import {
  checkPageSize,
  decodeCursor,
  isUuid,
  quoted,
  requireViewer,
  toConnection,
  type Connection,
} from '@curbside/subgraph-kit';
import { Notification, type NotificationEntity } from './entities.ts';

/** The most ids `markNotificationsRead` takes at once. */
export const maxIdsPerMark = 100;

/** Sorts after every real notification: the start of a newest-first keyset scan when there is no cursor. */
const newestEnd = { createdAt: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };

/**
 * The viewer's notifications, newest first (by when the action happened; id breaks ties), read from the
 * recipient's index, or from the unread one when `unreadOnly`.
 */
export async function listNotifications(
  em: EntityManager,
  viewer: Viewer | null,
  args: { first: number; after?: string | null | undefined; unreadOnly: boolean },
): Promise<Connection<NotificationEntity>> {
  const { userId } = requireViewer(viewer);
  const first = checkPageSize(args.first);
  const after = args.after ? decodeCursor(args.after) : null;
  const rows = await em.execute<Record<string, unknown>[]>(
    `select * from notification
     where recipient_id = ? ${args.unreadOnly ? 'and read_at is null' : ''}
       and (created_at, id) < (?::timestamptz, ?::uuid)
     order by created_at desc, id desc
     limit ?`,
    [userId, after?.createdAt.toISOString() ?? newestEnd.createdAt, after?.id ?? newestEnd.id, first + 1],
  );
  return toConnection(
    rows.map((row) => em.map(Notification, row)),
    first,
  );
}

/** How many of the viewer's notifications are unread. */
export async function countUnreadNotifications(em: EntityManager, viewer: Viewer | null): Promise<number> {
  const { userId } = requireViewer(viewer);
  return em.count(Notification, { recipientId: userId, readAt: null });
}

/**
 * Marks the viewer's notifications among `ids` read, and returns them (newest first). One already read keeps
 * its first `readAt`; ids of other users' notifications, or of none, are left out and changed nothing, so
 * the answer never says whether someone else's notification exists.
 */
export async function markNotificationsRead(
  em: EntityManager,
  viewer: Viewer | null,
  ids: readonly string[],
): Promise<NotificationEntity[]> {
  const { userId } = requireViewer(viewer);
  // Only the ids that could be taken are inspected (and quoted, cut short): a refused list costs nothing more.
  const malformed = ids.slice(0, maxIdsPerMark).filter((id) => !isUuid(id));
  if (ids.length > maxIdsPerMark || malformed.length > 0) {
    const found = [
      ...(ids.length > maxIdsPerMark ? [`at most ${maxIdsPerMark} ids, got ${ids.length}`] : []),
      ...(malformed.length > 0 ? [`UUIDs, got ${malformed.map((id) => quoted(id)).join(', ')}`] : []),
    ];
    throw badUserInput({ ids: `expected ${found.join('; and ')}` });
  }
  const wanted = [...new Set(ids.map((id) => id.toLowerCase()))];
  if (wanted.length === 0) return [];
  await em.nativeUpdate(
    Notification,
    { recipientId: userId, id: { $in: wanted }, readAt: null },
    { readAt: new Date() },
  );
  return em.find(
    Notification,
    { recipientId: userId, id: { $in: wanted } },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
}
